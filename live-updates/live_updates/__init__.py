"""Live updates: Server-Sent Events fed from Redis, one reader per process fanned out to many subscribers.

Where to look: `hub.py` (subscribers and their bounded queues), `feeds.py` (what each channel reads
from Redis or the gateway, plain functions), `app.py` (the routes), `sse.py` (the wire format).
"""

__version__ = "1.0.0"
