"""`python -m workload_generator run`: one bounded run without the service; a live progress line, then a summary."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TextIO

from . import scenarios
from .clients import make_client
from .config import ConfigError, RunConfig, apply_patch
from .controller import Controller
from .runner import RunLimits
from .settings import WorkloadSettings
from .target import TargetError

SERVICE = "workload-generator"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", help="base URL of the API gateway (default: $TARGET_API)")
    p.add_argument("--rps", type=float, help="requests per second of the constant profile (default: $TARGET_RPS)")
    p.add_argument("--duration", type=float, help="seconds to run (default: $WORKLOAD_DURATION_S, else until Ctrl-C)")
    p.add_argument(
        "--profile", help='load profile as JSON, e.g. \'{"kind":"ramp","fromRps":10,"toRps":200,"overS":60}\''
    )
    p.add_argument(
        "--scenario",
        choices=list(scenarios.SCENARIOS),
        help="a named scenario (its staged profile and duration; the other flags still apply)",
    )
    p.add_argument("--visitors", type=int, help="a rush: how many visitors (implies a rush; see --scenario rush)")
    p.add_argument("--spread", type=float, help="a rush: seconds over which the visitors arrive")
    p.add_argument("--sale", help="a rush: the sale to queue for (default: the first of GET /sales)")
    p.add_argument(
        "--no-open-room",
        action="store_true",
        help="a rush: do not open the waiting room first (it is already open, or opening it is not ours to do)",
    )
    p.add_argument("--config", type=Path, help="JSON file in the GET /config shape (partial allowed); flags win")
    p.add_argument("--max-in-flight", type=int, help="cap on requests in flight")
    p.add_argument("--timeout", type=float, help="per-request timeout in seconds")
    p.add_argument("--follow-share", type=float, help="share of created orders whose decision is polled (0..1)")
    p.add_argument(
        "--decision-wait",
        type=float,
        default=10.0,
        help="seconds to keep polling followed orders after the load ends (default 10)",
    )
    p.add_argument("--json", action="store_true", help="print the final stats as JSON instead of a table")


def build_config(settings: WorkloadSettings, args: argparse.Namespace) -> RunConfig:
    """The settings' defaults, then --config, then the flags. Raises ConfigError naming the field."""
    config = settings.default_config()
    if args.config:
        try:
            config = apply_patch(config, json.loads(args.config.read_text()))
        except (OSError, ValueError) as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError("--config", f"cannot read {args.config}: {e}") from None
    if args.scenario:
        config = apply_patch(config, scenarios.get(args.scenario).patch())
    patch: dict = {}
    if args.profile:
        try:
            patch["profile"] = json.loads(args.profile)
        except ValueError:
            raise ConfigError("--profile", "must be valid JSON") from None
    for flag, field in (
        ("target", "targetApi"),
        ("rps", "rps"),
        ("duration", "durationS"),
        ("max_in_flight", "maxInFlight"),
        ("timeout", "timeoutS"),
        ("follow_share", "followShare"),
    ):
        value = getattr(args, flag)
        if value is not None:
            patch[field] = value
    rush = {
        field: value
        for field, value in (
            ("visitors", args.visitors),
            ("arrivalSpreadS", args.spread),
            ("saleId", args.sale),
            ("openRoom", False if args.no_open_room else None),
        )
        if value is not None
    }
    if rush:
        patch["rush"] = rush  # merged into the scenario's (or --config's) rush, else a rush of its own
    return apply_patch(config, patch) if patch else config


def main(settings: WorkloadSettings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        config = build_config(settings, args)
    except ConfigError as e:
        print(f"{SERVICE}: bad configuration: {e}", file=sys.stderr)
        return 2
    try:
        import uvloop

        return uvloop.run(_run(settings, config, args, out))
    except ImportError:
        return asyncio.run(_run(settings, config, args, out))


async def _run(settings: WorkloadSettings, config: RunConfig, args: argparse.Namespace, out: TextIO) -> int:
    client = make_client(settings)
    controller = Controller(
        config,
        client=client,
        limits=RunLimits.from_settings(settings),
        decision_wait_s=args.decision_wait,
        admin_token=settings.admin_token(),
    )
    try:
        try:
            run = await controller.start()
        except TargetError as e:
            print(f"{SERVICE}: cannot start: {e}", file=sys.stderr)
            return 1
        loop = asyncio.get_running_loop()

        def interrupt() -> None:
            # First Ctrl-C: stop and summarise. A second one interrupts for real.
            run.stop()
            loop.remove_signal_handler(signal.SIGINT)

        loop.add_signal_handler(signal.SIGINT, interrupt)
        loop.add_signal_handler(signal.SIGTERM, run.stop)
        tty = out.isatty()
        load_over = asyncio.ensure_future(run.load_over.wait())
        while not load_over.done():
            await asyncio.wait([load_over], timeout=1.0)
            line = progress_line(controller.snapshot() | {"targetRps": round(run.target_rps(), 3)})
            out.write(f"\r{line}\033[K" if tty else f"{line}\n")
            out.flush()
        if tty:
            out.write("\n")
        if run.follower.following or run.stats.in_flight:
            out.write("load over; waiting for requests in flight and followed decisions...\n")
            out.flush()
        await controller.wait()
        stats = controller.snapshot()
        out.write(json.dumps(stats, indent=2) + "\n" if args.json else summary(stats))
        out.flush()
        return 0
    finally:
        await controller.shutdown()
        await client.aclose()


def progress_line(s: dict) -> str:
    r, lat = s["requests"], s["latencyMs"]
    rush = s.get("rush")
    if rush:
        return (
            f"{s['elapsedS']:7.1f}s  arrived {rush['arrived']}/{rush['visitors']}  joined {rush['joined']}  "
            f"waiting {rush['waiting']}  admitted {rush['admitted']} ({rush['admissionsPerSecond']['last10s']:.1f}/s)  "
            f"orders {rush['orders']['placed']}  refused {sum(rush['tokenRefusals'].values())}  "
            f"wait p50 {rush['waitMs']['p50'] / 1000:.1f}s"
        )
    return (
        f"{s['elapsedS']:7.1f}s  target {s['targetRps']:.1f}/s  sent {r['sent']} "
        f"({s['achievedRps']['last10s']:.1f}/s)  ok {r['succeeded']}  failed {r['failed']}  "
        f"dropped {r['dropped']}  in-flight {r['inFlight']}  p50 {lat['p50']:.1f}ms  p99 {lat['p99']:.1f}ms"
    )


def summary(s: dict) -> str:
    r, lat, d = s["requests"], s["latencyMs"], s["decisions"]
    ttd = d["timeToDecisionMs"]
    config = s["config"]

    def pairs(counts: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in counts.items()) or "-"

    rows = [
        ("target", config["targetApi"]),
        ("profile", describe_profile(config)),
        ("duration", f"{s['elapsedS']:.1f} s"),
        ("achieved rps", f"{s['achievedRps']['overall']:.1f} overall"),
        ("sent", r["sent"]),
        ("succeeded (2xx)", r["succeeded"]),
        ("failed", r["failed"]),
        (
            "dropped",
            f"{r['dropped']} (in-flight cap {r['droppedByReason']['inFlightCap']}, "
            f"behind schedule {r['droppedByReason']['behindSchedule']})",
        ),
        ("by status", pairs(r["byStatus"])),
        ("by error", pairs(r["byError"])),
        (
            "latency ms",
            f"p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  "
            f"p99.9 {lat['p999']:.1f}  max {lat['max']:.1f}  mean {lat['mean']:.1f}",
        ),
        (
            "decisions",
            f"followed {d['followed']}: confirmed {d['confirmed']}, rejected {d['rejected']}, "
            f"failed {d['failed']}, pending {d['pending']}, unresolved {d['unresolved']}",
        ),
        ("final statuses", pairs(d["byStatus"])),
        (
            "pay later",
            f"{s['payments']['payLater']} to pay, {s['payments']['abandoned']} abandoned; "
            f"payments {pairs(s['payments']['byStatus'])}",
        ),
        ("error samples", "; ".join(f"{k}: {v[-1]['body'][:80]}" for k, v in s["errorSamples"].items()) or "-"),
        (
            "time to decision",
            f"p50 {ttd['p50']:.1f}  p90 {ttd['p90']:.1f}  p99 {ttd['p99']:.1f}  max {ttd['max']:.1f} ms",
        ),
    ]
    if s.get("rush"):
        rows[1:2] = rush_rows(s["rush"])
    width = max(len(k) for k, _ in rows)
    lines = ["", "Summary", "-" * (width + 40)] + [f"{k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines) + "\n"


def rush_rows(rush: dict) -> list[tuple[str, object]]:
    """The summary's rows for a rush, in place of the profile's."""

    def pairs(counts: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in counts.items()) or "-"

    wait, aps = rush["waitMs"], rush["admissionsPerSecond"]
    return [
        ("rush", f"{rush['visitors']} visitors, sale {rush['saleId']}"),
        ("joins", f"{rush['joined']} joined of {rush['arrived']} arrived; failures {pairs(rush['joinFailures'])}"),
        ("admitted", f"{rush['admitted']} ({aps['overall']:.1f}/s overall, {aps['last10s']:.1f}/s last 10 s)"),
        (
            "wait (join->admit)",
            f"p50 {wait['p50'] / 1000:.2f} s  p90 {wait['p90'] / 1000:.2f} s  p99 {wait['p99'] / 1000:.2f} s  "
            f"max {wait['max'] / 1000:.2f} s",
        ),
        (
            "left / abandoned",
            f"left the queue {rush['left']}, lost {rush['lost']}, admitted never buying {rush['abandoned']}, "
            f"given up {rush['givenUp']}, still waiting {rush['waiting']}",
        ),
        ("polls", f"{rush['polls']}; errors {pairs(rush['pollErrors'])}"),
        ("rush orders", f"{rush['orders']['placed']} placed: {pairs(rush['orders']['byStatus'])}"),
        ("token refusals", pairs(rush["tokenRefusals"])),
    ]


def describe_profile(config: dict) -> str:
    p = config["profile"]
    if p["kind"] == "constant":
        return f"constant {config['rps']:g} rps"
    if p["kind"] == "ramp":
        return f"ramp {p['fromRps']:g} -> {p['toRps']:g} rps over {p['overS']:g} s"
    if p["kind"] == "step":
        return "step " + ", ".join(f"{s['rps']:g} rps for {s['forS']:g} s" for s in p["steps"])
    if p["kind"] == "stages":
        return "stages " + ", ".join(
            f"{'ramp to' if s.get('rampS') else 'hold'} {s['rps']:g} rps for {s.get('rampS') or s.get('holdS'):g} s"
            for s in p["stages"]
        )
    return f"spike {p['baseRps']:g} rps, {p['spikeRps']:g} rps for {p['forS']:g} s every {p['everyS']:g} s"
