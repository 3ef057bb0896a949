"""`python -m tools.autoscaler.simulate`: the autoscaling demo's load through each overlay's HPA, computed.

The generator's scenario (workload_generator.scenarios) is fed, second by second, into a model of the
order workers (a queue drained at `capacity` orders/s per ready worker), and every sync period the
overlay's own scaler, read from its rendered manifests (policy.py), decides the replicas with the
HPA algorithm of hpa.py, the one `make up`'s autoscaler runs. Writes docs/autoscaling-simulation.md
(figures and a timeline table) and docs/autoscaling-simulation.png (the plot).

The model, and what it leaves out:
- arrivals at the scenario's rate; each ready worker decides `capacity` orders/s while it has any;
- the KEDA lag is the backlog less what the workers hold: each ready worker has read up to
  WORKER_BATCH_SIZE entries it has not yet acknowledged (lag counts undelivered entries only);
- CPU (the base HPA): `cpu_ms_per_order` of worker CPU per decision (docs/performance.md: ~0.9 ms
  at low rates), against each pod's CPU request from the manifest;
- a new worker is ready `startup_s` after the scale-up (a pod pulls nothing here: the image is
  on the node); a scale-in removes workers at once (graceful: they finish their batch).
Not modelled: the gateway (its own CPU HPA), the metric's own delay (KEDA polls every 5 s, the
HPA reads it every 15 s), pods without metrics.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workload_generator import scenarios
from workload_generator.profiles import StagesProfile, rate_at

from .hpa import ScalerState, next_replicas, replicas_for_average_value, replicas_for_utilization
from .policy import ROOT, WORKER, Policy, PolicyError, Settings, Target, load_policy

OVERLAYS = ("local", "keda")  # the base CPU HPA (local = base + images on the node), and KEDA on lag
DOCS = ROOT / "docs"
# docs/performance.md, "The payment call as the demo's per-order work": one worker charging through the
# provider at the keda overlay's settings decides this share of its stated WORKER_CONCURRENCY x 1000 /
# per-order ms (the errored charges are retried after a backoff, so the mean time per order is more
# than the median latency; and each batch waits for its slowest order).
MEASURED_OF_STATED = 0.67
# docs/performance.md, "Capacity planning": a worker pod (limit 300m) decides ~4,000 orders/s with no
# per-order work (the base overlay), and uses ~0.9 ms of CPU per order at low rates.
NO_WORK_CAPACITY = 4000.0
CPU_MS_PER_ORDER = 0.9
BATCH = 100  # WORKER_BATCH_SIZE's default, where an overlay does not set it (k8s/base/config/order-worker.env does)
TAIL_S = 900.0  # after the load: at most this long for the pool to return to its minimum


def default_capacity(policy: Policy) -> float:
    """One worker's measured capacity under `policy`'s settings (orders/s): the measured share of its
    stated capacity where the overlay gives each order I/O-bound work (the payment call), else CPU's."""
    stated = policy.stated_capacity()
    if stated is None:
        return NO_WORK_CAPACITY
    return round(stated * MEASURED_OF_STATED, 1)


def batch_of(policy: Policy) -> int:
    """The entries a ready worker holds out of the lag: the overlay's WORKER_BATCH_SIZE."""
    return int(policy.worker_env.get("WORKER_BATCH_SIZE") or BATCH)


@dataclass(frozen=True)
class Model:
    capacity: float  # orders/s one ready worker decides
    startup_s: float = 5.0
    batch: int = BATCH
    cpu_ms_per_order: float = CPU_MS_PER_ORDER


@dataclass
class Sample:
    t: float
    offered: float  # orders/s arriving
    decided: float  # orders/s decided
    backlog: float  # orders waiting for a decision
    lag: float  # of which not yet delivered to a worker
    replicas: int  # the Deployment's replicas (the HPA's decision)
    ready: int  # of which ready


@dataclass
class Run:
    overlay: str
    target: Target
    capacity: float
    batch: int = BATCH  # WORKER_BATCH_SIZE of the overlay's workers
    stated: float | None = None  # the overlay's stated capacity per worker (Policy.stated_capacity)
    samples: list[Sample] = field(default_factory=list)
    events: list[tuple[float, int, int, str]] = field(default_factory=list)  # (t, from, to, reason)

    def summary(self, load_s: float) -> dict:
        replicas = [s.replicas for s in self.samples]
        peak = max(replicas)
        first_out = next((t for t, a, b, _ in self.events if b > a), None)
        at_peak = next(s.t for s in self.samples if s.replicas == peak)
        back = next((s.t for s in self.samples if s.t > at_peak and s.replicas == self.target.min_replicas), None)
        # Seconds in which the backlog was more than the ready pool decides in one second.
        behind = sum(1 for s in self.samples if s.backlog > s.ready * self.capacity)
        return {
            "overlay": self.overlay,
            "rule": self.target.rule(),
            "capacity": self.capacity,
            "min": self.target.min_replicas,
            "max": self.target.max_replicas,
            "peak": peak,
            "first_scale_out_s": first_out,
            "peak_at_s": at_peak,
            "back_to_min_s": back,
            "max_backlog": round(max(s.backlog for s in self.samples)),
            "max_backlog_s": max(self.samples, key=lambda s: s.backlog).t,
            "behind_s": behind,
            "scale_events": len(self.events),
        }


def simulate(
    overlay: str,
    policy: Policy,
    rate: Callable[[float], float],
    load_s: float,
    model: Model,
    tail_s: float = TAIL_S,
) -> Run:
    """Second by second: arrivals, decisions, and every sync period one HPA decision."""
    target = policy.targets[WORKER]
    run = Run(overlay, target, model.capacity, model.batch, policy.stated_capacity())
    state = ScalerState()
    replicas = target.min_replicas
    ready_at = [0.0] * replicas  # when each worker (oldest first) is ready
    backlog = 0.0
    sync = policy.sync_period
    next_sync = sync  # the first sync one period in, as a controller that has just started
    t, dt = 0.0, 1.0
    while t <= load_s + tail_s:
        offered = rate(t) if t < load_s else 0.0
        ready = sum(1 for r in ready_at if r <= t)
        backlog += offered * dt
        decided = min(backlog, ready * model.capacity * dt)
        backlog -= decided
        lag = max(0.0, backlog - ready * model.batch)
        if t >= next_sync:
            next_sync += sync
            proposal = _proposal(target, replicas, ready, lag, decided / dt, model)
            decision = next_replicas(
                replicas, proposal, target.min_replicas, target.max_replicas, target.behavior, state, t
            )
            if decision.replicas != replicas:
                run.events.append((t, replicas, decision.replicas, decision.reason))
                if decision.replicas > replicas:
                    ready_at += [t + model.startup_s] * (decision.replicas - replicas)
                else:
                    ready_at = ready_at[: decision.replicas]  # the newest go first
                replicas = decision.replicas
        ready = sum(1 for r in ready_at if r <= t)
        run.samples.append(Sample(t, offered, decided / dt, backlog, lag, replicas, ready))
        if t >= load_s and backlog < 1 and replicas == target.min_replicas and t > _last_event(run) + sync:
            break
        t += dt
    return run


def _last_event(run: Run) -> float:
    return run.events[-1][0] if run.events else 0.0


def _proposal(target: Target, current: int, ready: int, lag: float, decided_per_s: float, model: Model) -> int:
    if target.metric == "lag":
        return replicas_for_average_value(current, lag, target.target)
    if ready == 0:
        return current  # no pod has a metric: the HPA leaves the size alone
    usage = decided_per_s * model.cpu_ms_per_order / 1000  # cores, over the ready pods
    return replicas_for_utilization(current, usage, ready * target.cpu_request_cores, target.target)


# --- output ---------------------------------------------------------------------------------------


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def render_markdown(runs: list[Run], profile: StagesProfile, model: Model, capacities_given: bool) -> str:
    load_s = profile.total_s
    lines = [
        "# The autoscaling demo, simulated through each overlay's HPA",
        "",
        "Computed by `python -m tools.autoscaler.simulate` (`tools/autoscaler/simulate.py`, its docstring has the",
        "model): the generator's `autoscaling-demo` scenario (`workload-generator/workload_generator/scenarios.py`)",
        "fed second by second into a queue of orders drained by the ready workers, and every sync period",
        "(15 s) the overlay's own scaler, read from `kubectl kustomize k8s/overlays/<overlay>`, deciding the",
        "replicas with the HPA v2 algorithm of `tools/autoscaler/hpa.py`: the very code `make up`'s autoscaler",
        "runs. Regenerate after a change to the scenario, the manifests or the measured capacity.",
        "",
        "Scenario: "
        + ", ".join(
            f"{w['label'] or 'stage'} "
            + (f"{w['toRps']:g}/s" if w["fromRps"] == w["toRps"] else f"{w['fromRps']:g}→{w['toRps']:g}/s")
            + f" ({w['endS'] - w['startS']:g} s)"
            for w in profile.timeline()
        )
        + f"; {load_s:g} s in all, then no load.",
        "",
        "Model parameters: a new worker is ready "
        f"{model.startup_s:g} s after the scale-up; each ready worker holds up to its overlay's `WORKER_BATCH_SIZE`",
        "delivered entries ("
        + ", ".join(f"{r.overlay} {r.batch}" for r in runs)
        + f"), which KEDA's lag does not count; CPU per order {model.cpu_ms_per_order:g} ms for the",
        "CPU HPA. Per-worker capacity "
        + (
            "as given on the command line."
            if capacities_given
            else f"from docs/performance.md: {MEASURED_OF_STATED:g} (measured) × the stated `WORKER_CONCURRENCY` × 1000 /"
            " per-order ms where the overlay gives each order I/O-bound work (both do: the payment call; "
            + "; ".join(f"{r.overlay} {r.stated:g} stated → {r.capacity:g} orders/s" for r in runs if r.stated)
            + "), else the ~4,000 orders/s of a worker pod with no per-order work."
        ),
        "",
        "## At the manifests' own timing (a cluster; `make up` by default)",
        "",
        "![Offered load, backlog and replicas over time](autoscaling-simulation.png)",
        "",
        "*Seconds behind*: seconds in which the backlog exceeded what the ready workers decide in one second.",
        "",
        *summary_table(runs, load_s),
    ]
    lines += ["", "Replicas over time (every sync, 15 s; the backlog in orders):", ""]
    header = "| t | offered /s | " + " | ".join(f"{r.overlay} replicas | {r.overlay} backlog" for r in runs) + " |"
    lines += [header, "|" + "---:|" * (2 + 2 * len(runs))]
    end = max(r.samples[-1].t for r in runs)
    for t in range(0, int(end) + 1, 15):
        cells = [f"{t}", f"{rate_of(runs, t):g}"]
        for r in runs:
            s = _at(r, t)
            cells += [
                str(s.replicas if s.ready == s.replicas else f"{s.replicas} ({s.ready} ready)"),
                f"{s.backlog:,.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Scaling events:", "", *event_lines(runs)]
    return "\n".join(lines) + "\n"


def rate_of(runs: list[Run], t: float) -> float:
    s = _at(runs[0], t)
    return round(s.offered, 1)


def _at(run: Run, t: float) -> Sample:
    """The sample at second `t`, or the last one (the pool has settled) after the run ended."""
    index = min(int(t), len(run.samples) - 1)
    return run.samples[index]


def plot(runs: list[Run], load_s: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, height_ratios=(1, 1))
    longest = max(runs, key=lambda r: len(r.samples))
    ts = [s.t for s in longest.samples]
    top.plot(ts, [s.offered for s in longest.samples], color="black", label="offered orders/s")
    for run in runs:
        cap = [s.ready * run.capacity for s in run.samples]
        if run.capacity * run.target.min_replicas < 10 * max(s.offered for s in longest.samples):
            top.plot([s.t for s in run.samples], cap, linestyle="--", label=f"{run.overlay}: pool capacity /s")
        bottom.step([s.t for s in run.samples], [s.replicas for s in run.samples], where="post", label=run.overlay)
    backlog_axis = top.twinx()
    for run in runs:
        backlog_axis.plot(
            [s.t for s in run.samples], [s.backlog for s in run.samples], alpha=0.4, label=f"{run.overlay}: backlog"
        )
    backlog_axis.set_ylabel("backlog (orders)")
    top.set_ylabel("orders/s")
    top.set_ylim(0, max(s.offered for s in longest.samples) * 1.6)
    top.legend(loc="upper left", fontsize=8)
    backlog_axis.legend(loc="upper right", fontsize=8)
    for axis in (top, bottom):
        axis.axvline(load_s, color="grey", linewidth=0.8, linestyle=":")
    bottom.set_ylabel("order-worker replicas")
    bottom.set_xlabel("seconds since the scenario started (dotted: the load ends)")
    bottom.legend(loc="upper right", fontsize=8)
    bottom.grid(alpha=0.3)
    top.set_title("autoscaling-demo through each overlay's HPA (simulated)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def summary_table(runs: list[Run], load_s: float) -> list[str]:
    lines = [
        "| overlay | rule | capacity / worker | min–max | peak replicas | first scale-out | peak at | back to min |"
        " max backlog (at) | seconds behind |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        s = run.summary(load_s)
        lines.append(
            f"| {s['overlay']} | {s['rule']} | {s['capacity']:,.1f} | {s['min']}–{s['max']} | **{s['peak']}** | "
            f"{_fmt_s(s['first_scale_out_s'])} | {_fmt_s(s['peak_at_s'])} | {_fmt_s(s['back_to_min_s'])} | "
            f"{s['max_backlog']:,} ({_fmt_s(s['max_backlog_s'])}) | {s['behind_s']} |"
        )
    return lines


def event_lines(runs: list[Run]) -> list[str]:
    return [
        f"- **{r.overlay}**: " + (", ".join(f"{t:.0f} s {a}→{b}" for t, a, b, _ in r.events) or "none") for r in runs
    ]


def run_all(
    profile: StagesProfile, overlays: list[str], time_scale: float, capacity: float | None, startup_s: float
) -> list[Run]:
    runs = []
    for overlay in overlays:
        policy = load_policy(Settings(True, overlay, time_scale))
        runs.append(
            simulate(
                overlay,
                policy,
                lambda t: rate_at(profile, 0.0, t),
                profile.total_s,
                Model(capacity or default_capacity(policy), startup_s, batch_of(policy)),
            )
        )
    return runs


def main(argv: list[str] | None = None, out: Path = DOCS) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.autoscaler.simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="autoscaling-demo", choices=list(scenarios.SCENARIOS))
    parser.add_argument(
        "--overlay", action="append", help=f"overlay to simulate (repeatable; default {', '.join(OVERLAYS)})"
    )
    parser.add_argument("--capacity", type=float, help="orders/s one worker decides (default: measured, per overlay)")
    parser.add_argument("--startup-s", type=float, default=5.0, help="seconds from scale-up to a ready worker")
    parser.add_argument(
        "--quick-time-scale",
        type=float,
        default=0.1,
        help="AUTOSCALE_TIME_SCALE of the second, shortened simulation (0: none)",
    )
    parser.add_argument("--out", type=Path, default=out, help="folder for autoscaling-simulation.md and .png")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    args = parser.parse_args(argv)
    if args.capacity is not None and args.capacity <= 0:
        print("simulate: --capacity must be positive", file=sys.stderr)
        return 2
    profile = scenarios.get(args.scenario).profile
    overlays = args.overlay or list(OVERLAYS)
    try:
        runs = run_all(profile, overlays, 1.0, args.capacity, args.startup_s)
        quick = (
            run_all(profile, overlays, args.quick_time_scale, args.capacity, args.startup_s)
            if args.quick_time_scale
            else []
        )
    except PolicyError as e:
        print(f"simulate: {e}", file=sys.stderr)
        return 1
    text = render_markdown(runs, profile, Model(args.capacity or 0.0, args.startup_s), args.capacity is not None)
    if quick:
        text += "\n".join(
            [
                "",
                f"## With `AUTOSCALE_TIME_SCALE={args.quick_time_scale:g}` (make up's quick demo)",
                "",
                f"Every window, period and the sync period × {args.quick_time_scale:g}: a sync every "
                f"{15 * args.quick_time_scale:g} s, scale-in after {180 * args.quick_time_scale:g} s. The lag rule "
                "now shrinks the pool within the scenario whenever the backlog is gone, and grows it again as the "
                "next stage builds one: several rounds of out and in.",
                "",
                *summary_table(quick, profile.total_s),
                "",
                "Scaling events:",
                "",
                *event_lines(quick),
                "",
            ]
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "autoscaling-simulation.md").write_text(text)
    if not args.no_plot:
        plot(runs, profile.total_s, args.out / "autoscaling-simulation.png")
    for label, group in (("time scale 1", runs), (f"time scale {args.quick_time_scale:g}", quick)):
        for run in group:
            s = run.summary(profile.total_s)
            print(
                f"{label}: {s['overlay']}: {s['rule']}, {s['capacity']:,.1f} orders/s per worker: peak {s['peak']} "
                f"replicas at {_fmt_s(s['peak_at_s'])}, first scale-out {_fmt_s(s['first_scale_out_s'])}, back to "
                f"{s['min']} at {_fmt_s(s['back_to_min_s'])}, max backlog {s['max_backlog']:,}"
            )
    print(f"wrote {args.out / 'autoscaling-simulation.md'}" + ("" if args.no_plot else " and .png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
