"""The worker's FastAPI app: runs the consumer for its lifetime and answers health, stats, metrics."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ticketing_common import swagger_ui
from ticketing_common.backlog import backlog_exposition, group_backlog, queue_backlog_reads

from . import metrics
from .consumer import OrderConsumer
from .settings import WorkerSettings

log = logging.getLogger(__name__)


def redis_client(settings: WorkerSettings) -> redis.Redis:
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.redis_socket_timeout,
        socket_connect_timeout=settings.redis_socket_timeout,
        health_check_interval=30,
    )


def create_app(settings: WorkerSettings) -> FastAPI:
    client = redis_client(settings)
    consumer = OrderConsumer(client, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = asyncio.Event()
        task = app.state.consumer_task = asyncio.create_task(consumer.run(stop), name="order-consumer")
        yield
        # SIGTERM: uvicorn stops serving, then we stop reading; the batch in hand is
        # decided and acknowledged before run() returns.
        log.info("shutting down: finishing the batch in hand")
        stop.set()
        await task
        await client.aclose()

    # docs_url=None: FastAPI's page loads Swagger UI from a CDN; the shared one works offline.
    app = FastAPI(title="Order worker", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    swagger_ui.mount_on_fastapi(app)
    app.state.consumer = consumer
    app.state.consumer_task = None

    @app.get("/healthz")
    async def healthz():
        # Alive means consuming: a consumer task that ended is a worker to restart.
        task = app.state.consumer_task
        if task is not None and task.done():
            return JSONResponse({"status": "consumer stopped", "consumer": consumer.name}, status_code=503)
        return {"status": "ok", "consumer": consumer.name}

    @app.get("/readyz")
    async def readyz():
        try:
            await client.ping()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            return JSONResponse({"status": "unavailable", "error": f"redis: {type(e).__name__}"}, status_code=503)
        return {"status": "ready"}

    @app.get("/stats")
    async def stats():
        return consumer.stats.as_dict()

    @app.get("/metrics")
    async def prometheus_metrics():
        backlog = None
        try:
            pipe = client.pipeline(transaction=False)
            queue_backlog_reads(pipe)
            length, groups = await pipe.execute(raise_on_error=False)
            if not isinstance(length, Exception):
                backlog = group_backlog(groups, length)
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass  # /readyz reports the outage; the counters still export
        return Response(generate_latest(metrics.REGISTRY) + backlog_exposition(backlog), media_type=CONTENT_TYPE_LATEST)

    return app
