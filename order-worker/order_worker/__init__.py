"""The order worker: consumes the order stream and decides each order against the stock.

Where to look: the stock decision is `decide_order.lua` (called by `decisions.py`),
the read loop is `consumer.py`, the retry and recovery policy is `recovery.py`.
"""
