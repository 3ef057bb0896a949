"""The autoscaler's sync loop: read each target's metric, run the HPA algorithm, resize the pool,
publish the state and the scaling events to Redis for the dashboard.

Its dependencies are passed in (the pools, a Redis client, the clocks), so the tests drive it with
fakes; `tools/stack.py` gives it the real worker processes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis

from ticketing_common import backlog, keys

from .hpa import ScalerState, next_replicas, replicas_for_average_value, replicas_for_utilization
from .policy import Policy, Target

EVENTS_MAXLEN = 1000  # the events stream is capped (approximately) at this many entries


class Pool(Protocol):
    """A set of identical processes the autoscaler may resize."""

    def replicas(self) -> int: ...

    def scale_to(self, replicas: int) -> int:
        """Start or gracefully stop processes until `replicas` run; returns how many run."""
        ...

    def pids(self) -> list[int]: ...


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float | None:
    """User + system CPU time of a process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks);
    None when it is gone or there is no /proc (macOS)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers under its arbiter), from /proc."""
    found = []
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(parent) == pid and state != "Z":
            found.append(int(entry.name))
    return found


@dataclass
class CpuMeter:
    """CPU used by a pool between two syncs, in cores: what metrics-server reports as pod usage.

    The approximation: a process's CPU time, not a cgroup's; a process that started or stopped
    between the two samples is left out of that sync, as a pod without a metric would be."""

    read: Callable[[int], float | None] = process_cpu_seconds
    last: dict[int, float] = field(default_factory=dict)
    last_time: float | None = None

    def sample(self, pids: list[int], now: float) -> tuple[float, int] | None:
        """(cores used, processes measured) since the previous sample, or None on the first one."""
        current = {pid: cpu for pid in pids if (cpu := self.read(pid)) is not None}
        previous, previous_time = self.last, self.last_time
        self.last, self.last_time = current, now
        if previous_time is None or now <= previous_time:
            return None
        both = [pid for pid in current if pid in previous]
        if not both:
            return None
        return sum(current[p] - previous[p] for p in both) / (now - previous_time), len(both)


def read_backlog(client: redis.Redis, shards: keys.Shards = keys.ONE_SHARD) -> dict[str, int]:
    """The order streams' backlog summed over the shards: every worker consumes every shard."""
    pipe = client.pipeline(transaction=False)
    backlog.queue_all_backlog_reads(pipe, shards)
    return backlog.sum_backlogs(backlog.shard_backlogs(pipe.execute(raise_on_error=False)))


@dataclass
class Observation:
    proposal: int
    value: float  # the metric: lag, or CPU utilization (%)
    text: str  # "lag 412" / "CPU 85 %"
    extra: dict[str, Any] = field(default_factory=dict)


class Autoscaler:
    def __init__(
        self,
        policy: Policy,
        pools: dict[str, Pool],
        client: redis.Redis,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        log: Callable[[str], None] = print,
        cpu_meters: dict[str, CpuMeter] | None = None,
        shards: keys.Shards = keys.ONE_SHARD,
    ) -> None:
        self.policy = policy
        self.shards = shards
        self.pools = pools
        self.client = client
        self.clock = clock
        self.wall_clock = wall_clock
        self.log = log
        self.states = {name: ScalerState() for name in pools}
        self.meters = cpu_meters or {name: CpuMeter() for name in pools}

    def observe(self, target: Target, current: int, now: float) -> Observation | None:
        if target.metric == "lag":
            figures = read_backlog(self.client, self.shards)
            lag = figures["lag"]
            return Observation(
                replicas_for_average_value(current, lag, target.target),
                lag,
                f"lag {lag}",
                {"pending": figures["pending"]},
            )
        sample = self.meters[target.name].sample(self.pools[target.name].pids(), now)
        if sample is None:
            return None
        cores, measured = sample
        utilization = 100 * cores / (target.cpu_request_cores * measured)
        # Utilization of the processes measured, applied to the whole pool (ceil(ratio × current)).
        proposal = replicas_for_utilization(current, cores, target.cpu_request_cores * measured, target.target)
        return Observation(proposal, utilization, f"CPU {utilization:.0f} %")

    def tick(self) -> None:
        """One sync of every target; a Redis error skips this sync (logged), never stops the stack."""
        for name, pool in self.pools.items():
            target = self.policy.targets[name]
            try:
                self._sync(target, pool)
            except redis.RedisError as e:
                self.log(f"autoscaler: {name}: Redis unavailable, sync skipped ({e})")

    def _sync(self, target: Target, pool: Pool) -> None:
        now = self.clock()
        current = pool.replicas()
        observed = self.observe(target, current, now)
        proposal = current if observed is None else observed.proposal
        decision = next_replicas(
            current, proposal, target.min_replicas, target.max_replicas, target.behavior, self.states[target.name], now
        )
        running = current
        if decision.replicas != current:
            running = pool.scale_to(decision.replicas)
            self._event(target, current, running, observed, decision.reason)
        self._publish(target, running, decision.replicas, observed)

    def _unit(self, target: Target) -> str:
        return f"{target.target:g} per worker" if target.metric == "lag" else f"{target.target:g} % of request"

    def _event(self, target: Target, before: int, after: int, observed: Observation | None, limit: str) -> None:
        if observed is None:
            reason = f"{limit}: bringing the pool within {target.min_replicas}-{target.max_replicas}"
        else:
            above = observed.value > target.target * (before if target.metric == "lag" else 1)
            reason = f"{observed.text} {'>' if above else '<'} {self._unit(target)}"
            if limit not in ("DesiredWithinRange", "ReadyForNewScale"):
                reason += f" ({limit})"
        self.log(f"autoscaler: {target.name} {before} -> {after}: {reason}")
        self.client.xadd(
            keys.AUTOSCALER_EVENTS,
            {
                "time": f"{self.wall_clock():.3f}",
                "target": target.name,
                "from": before,
                "to": after,
                "reason": reason,
            },
            maxlen=EVENTS_MAXLEN,
            approximate=True,
        )

    def _publish(self, target: Target, current: int, desired: int, observed: Observation | None) -> None:
        state = {
            "current": current,
            "desired": desired,
            "min": target.min_replicas,
            "max": target.max_replicas,
            "metric": target.metric,
            "metricValue": None if observed is None else observed.value,
            "target": target.target,
            "overlay": self.policy.overlay,
            "source": target.source,
            "timeScale": self.policy.time_scale,
            "syncPeriodS": self.policy.sync_period,  # the gateway calls the state stale after two syncs
            "updatedAt": round(self.wall_clock(), 3),
            **({} if observed is None else observed.extra),
        }
        self.client.hset(keys.AUTOSCALER_STATE, target.name, json.dumps(state))
