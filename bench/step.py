"""7. Step response: a load step above one worker's capacity, with the local autoscaler, until the backlog is back under target.

Method
- A fresh Redis and real worker processes (`python -m order_worker`) with the keda overlay's worker
  settings and its per-order work, the payment call (PAYMENT_LATENCY_MS_MEDIAN=100, WORKER_CONCURRENCY=5:
  50 orders/s stated per worker), simulated here as that much WORKER_SIMULATED_WORK_MS (no provider:
  no errors to retry, so a worker comes closer to the stated figure than through the provider), started and stopped by `make up`'s own pool (tools/stack.WorkerPool) and resized by
  `make up`'s autoscaler (tools/autoscaler/controller.Autoscaler) with the keda overlay's policy read
  from the manifests, with short windows (AUTOSCALE_TIME_SCALE 0.1: a sync every 1.5 s, scale-in
  after 18 s).
- The load: orders written into Redis as the gateway leaves them (bench/preload), in a thread, every
  100 ms, at a constant STEP_RPS (4 workers' worth, twice the minimum pool's) for STEP_S seconds, then
  none. The gateway is left out: its intake is benchmark 1, and here it would only take the CPU the
  workers' scale-out needs.
- Sampled every 0.5 s: the replicas, the group's lag (undelivered) and pending (delivered, not yet
  acknowledged), their sum the backlog, and the orders decided. Reported: the first scale-out, the
  peak replicas, the time from the step to the backlog back under one worker's target (lagCount 50)
  with the load still on, the time from the end of the load to the pool back at its minimum, and the
  invariants. A chart (replicas and backlog over time) goes to bench/results/step.png.
- Bounded: at most ~2 minutes (the step, then at most 60 s for the pool to return to its minimum).
"""

from __future__ import annotations

import random
import threading
import time

import redis

from tools import stack
from tools.autoscaler.controller import Autoscaler, read_backlog
from tools.autoscaler.policy import WORKER, Settings, load_policy
from tools.redis_server import free_port

from .budget import Deadline, log
from .fixtures import BIG_STOCK, TICKET_IDS
from .paths import RESULTS
from .preload import encode_orders
from .rawredis import RawRedis, reply_errors
from .store import group_progress, init_stock
from .workers import check

NAME = "step"
TIME_SCALE = 0.1
STEP_RPS = 190  # 4 workers' worth at ~47.5 orders/s each: above the minimum pool of 2
STEP_S = 45
QUICK_STEP_S = 20  # --quick: a shorter step (the pool still grows beyond its minimum)
SETTLE_S = 60  # after the load: at most this long for the pool to return to its minimum
SAMPLE_S = 0.5
FEED_S = 0.1


class BenchPool(stack.WorkerPool):
    """make up's worker pool, on free ports (not FIRST_WORKER_PORT + 10 each, which may be taken)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._ports: dict[int, int] = {}

        self.decisions: list[tuple[float, int, int]] = []  # (monotonic time, from, to) as asked

    def port(self, index: int) -> int:
        if index not in self._ports:
            self._ports[index] = free_port()
        return self._ports[index]

    def scale_to(self, replicas: int) -> int:
        # The autoscaler logs its event once the workers run: note when it decided, too.
        self.decisions.append((time.monotonic(), len(self.processes), replicas))
        return super().scale_to(replicas)


class Feeder(threading.Thread):
    """Writes STEP_RPS orders a second, every FEED_S, for `seconds`; keeps the order ids."""

    def __init__(self, url: str, rate: float, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.rate, self.seconds = url, rate, seconds
        per_tick = round(rate * FEED_S)
        ticks = int(seconds / FEED_S)
        self.batches = encode_orders(per_tick * ticks, random.Random(7), batch=per_tick)
        self.ids: list[str] = []
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.error: str | None = None

    def run(self) -> None:
        raw = RawRedis(self.url)
        try:
            self.started_at = start = time.monotonic()
            for i, (ids, payload) in enumerate(self.batches):
                wait = start + i * FEED_S - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                replies = raw.batch(payload)
                if reply_errors(replies):
                    self.error = f"writing orders failed: {replies[:200]!r}"
                    return
                self.ids += ids
        finally:
            self.ended_at = time.monotonic()
            raw.close()


def run(ctx) -> dict:
    step_s = QUICK_STEP_S if ctx.quick else STEP_S
    deadline = Deadline(step_s + SETTLE_S + 60)
    policy = load_policy(Settings(True, "keda", TIME_SCALE))
    target = policy.targets[WORKER]
    capacity = policy.stated_capacity() or 0.0
    # No payment provider here: the overlay's per-order call (its payment latency) is simulated as
    # that much I/O-bound work, so one worker's capacity is the same stated figure.
    worker_env = {**policy.worker_env, "WORKER_SIMULATED_WORK_MS": f"{policy.per_order_ms():.0f}"}
    out: dict = {
        "overlay": policy.overlay,
        "time_scale": TIME_SCALE,
        "sync_period_s": policy.sync_period,
        "rule": target.rule(),
        "target": target.target,
        "min": target.min_replicas,
        "max": target.max_replicas,
        "worker_env": worker_env,
        "stated_capacity_per_worker": capacity,
        "step_rps": STEP_RPS,
        "step_s": step_s,
        "cores": ctx.machine["cores"],
        "load_average_at_start": ctx.machine["load_average_at_start"],
    }
    samples: list[dict] = []
    events: list[dict] = []
    with ctx.redis() as (url, client):
        init_stock(client, dict.fromkeys(TICKET_IDS, BIG_STOCK))
        pool = BenchPool(url, 0, stack.LOOPBACK, ctx.workdir / NAME / "logs", dict(worker_env))
        state_client = redis.Redis.from_url(url, decode_responses=True)
        try:
            log(f"starting {target.min_replicas} workers ({policy.summary()})")
            pool.scale_to(target.min_replicas)

            def note(line: str) -> None:
                events.append({"t": round(time.monotonic() - t0, 1), "line": line.removeprefix("autoscaler: ")})
                log(line)

            autoscaler = Autoscaler(policy, {WORKER: pool}, state_client, log=note)
            feeder = Feeder(url, STEP_RPS, step_s)
            log(f"step: {STEP_RPS} orders/s for {step_s} s ({len(feeder.batches) * round(STEP_RPS * FEED_S):,} orders)")
            t0 = time.monotonic()
            feeder.start()
            sampler_stop = threading.Event()
            sampler = threading.Thread(target=_sample, args=(url, pool, t0, samples, sampler_stop), daemon=True)
            sampler.start()
            next_sync = t0 + policy.sync_period
            while not deadline.expired():
                now = time.monotonic()
                if now >= next_sync:
                    next_sync = now + policy.sync_period
                    autoscaler.tick()  # a scale-out blocks until its workers are ready, as in make up
                load_over = not feeder.is_alive()
                if load_over and samples and samples[-1]["backlog"] == 0 and pool.replicas() == target.min_replicas:
                    break
                if load_over and feeder.ended_at and now - feeder.ended_at > SETTLE_S:
                    log("the pool did not return to its minimum within the settle time")
                    break
                time.sleep(0.1)
            sampler_stop.set()
            sampler.join(5)
            if feeder.error:
                raise RuntimeError(feeder.error)
            out["orders"] = len(feeder.ids)
            out["load_end_s"] = round((feeder.ended_at or t0) - t0, 1)
            out["invariants"], out["statuses"] = check(client, feeder.ids)
        finally:
            pool.stop()
            state_client.close()
    out["samples"] = samples
    out["events"] = events
    out["decisions"] = [{"t": round(t - t0, 1), "from": a, "to": b} for t, a, b in pool.decisions if t >= t0]
    first = next((d["t"] for d in out["decisions"] if d["to"] > d["from"]), None)
    out["first_scale_out_decided_s"] = first
    out.update(_figures(samples, out, target.target))
    chart = RESULTS / "step.png"
    try:
        _chart(out, chart)
        out["chart"] = str(chart.relative_to(RESULTS.parent.parent))
    except ImportError:
        out["chart"] = None  # matplotlib missing: the figures stand without it
    log(
        f"first scale-out decided {out['first_scale_out_decided_s']} s, running {out['first_scale_out_s']} s, peak {out['peak_replicas']} replicas, backlog under "
        f"{target.target:g} after {out['backlog_under_target_s']} s (peak {out['peak_backlog']:,}), back to "
        f"{target.min_replicas} {out['back_to_min_after_load_s']} s after the load; {out['invariants']}"
    )
    return out


def _sample(url: str, pool: stack.WorkerPool, t0: float, samples: list[dict], stop: threading.Event) -> None:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        while not stop.is_set():
            figures = read_backlog(client)
            read, pending = group_progress(client)
            samples.append(
                {
                    "t": round(time.monotonic() - t0, 2),
                    "replicas": pool.replicas(),
                    "lag": figures["lag"],
                    "pending": figures["pending"],
                    "backlog": figures["lag"] + figures["pending"],
                    "decided": read - pending,
                }
            )
            stop.wait(SAMPLE_S)
    finally:
        client.close()


def _figures(samples: list[dict], out: dict, per_worker_target: float) -> dict:
    minimum = out["min"]
    first_out = next((s["t"] for s in samples if s["replicas"] > minimum), None)
    peak = max((s["replicas"] for s in samples), default=0)
    peak_backlog = max((s["backlog"] for s in samples), default=0)
    over = next((s["t"] for s in samples if s["backlog"] > per_worker_target), None)
    under = (
        next((s["t"] for s in samples if s["t"] > over and s["backlog"] <= per_worker_target), None)
        if over is not None
        else None
    )
    load_end = out.get("load_end_s", 0)
    back = next((s["t"] for s in samples if s["t"] >= load_end and s["replicas"] == minimum), None)
    # Decisions per second over the last 5 s of the step: the pool's throughput at its size then.
    window = [s for s in samples if load_end - 5 <= s["t"] <= load_end]
    rate = (
        (window[-1]["decided"] - window[0]["decided"]) / (window[-1]["t"] - window[0]["t"]) if len(window) > 1 else None
    )
    return {
        "first_scale_out_s": first_out,
        "peak_replicas": peak,
        "peak_backlog": peak_backlog,
        "backlog_over_target_s": over,
        "backlog_under_target_s": under,
        "back_to_min_after_load_s": None if back is None else round(back - load_end, 1),
        "decided_per_s_end_of_step": None if rate is None else round(rate, 1),
    }


def _chart(out: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = out["samples"]
    ts = [s["t"] for s in samples]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
    top.plot(ts, [s["backlog"] for s in samples], label="backlog (lag + pending)")
    top.plot(ts, [s["lag"] for s in samples], label="lag (undelivered)", alpha=0.6)
    top.axhline(
        out["target"], color="grey", linestyle=":", linewidth=0.8, label=f"one worker's target ({out['target']:g})"
    )
    top.set_ylabel("orders")
    top.legend(fontsize=8)
    bottom.step(ts, [s["replicas"] for s in samples], where="post", color="black")
    bottom.set_ylabel("worker processes")
    bottom.set_xlabel(f"seconds since the step ({out['step_rps']} orders/s for {out['step_s']} s)")
    for axis in (top, bottom):
        axis.axvline(out.get("load_end_s", out["step_s"]), color="grey", linewidth=0.8, linestyle="--")
        axis.grid(alpha=0.3)
    top.set_title(f"Step response, local autoscaler ({out['overlay']} policy, time scale {out['time_scale']:g})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
