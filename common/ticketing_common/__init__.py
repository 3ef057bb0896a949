"""The contract shared by the API gateway and the order workers.

Everything two services must agree on lives here, once: the Redis key schema
(`keys`), the order statuses and reasons (`status`), the order record as stored
in Redis (`order_record`), and how settings are read and validated (`settings`).
"""
