"""`python -m bench [--quick] [--only NAME ...]`: the benchmark suite, on localhost, bounded in time.

Prints figures; asserts nothing about speed. Writes bench/results/latest.json and latest.md
(the Markdown ready for docs/performance.md), and a timestamped copy of the JSON. Exits non-zero
if a benchmark could not run or an invariant (no oversell, every order decided) was violated.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback
from datetime import UTC, datetime
from types import SimpleNamespace

from . import contention, e2e, gateway, intake, lifecycle, live, memory, report, scaling, shards, step, workers
from .budget import log
from .machine import have, machine
from .paths import RESULTS
from .store import bench_redis

# In this order: e2e and memory use intake's capacity, contention compares with workers' K=2.
BENCHMARKS = {
    m.NAME: m for m in (intake, gateway, workers, e2e, contention, memory, scaling, step, lifecycle, live, shards)
}
BUDGET_S = {"full": 840, "quick": 260}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run of about a minute (smaller counts, shorter runs)"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        choices=list(BENCHMARKS),
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--gateway-baseline",
        metavar="REV",
        help="gateway benchmark: also run the gateway of this commit (git archive), for before/after in one run",
    )
    parser.add_argument(
        "--gateway-variant",
        action="append",
        metavar="LABEL:NAME=VALUE,...",
        help="gateway benchmark: also run this gateway with these settings (repeatable), "
        "e.g. 2x8:WEB_CONCURRENCY=2,GUNICORN_THREADS=8",
    )
    parser.add_argument(
        "--e2e-pinned",
        action="store_true",
        help="e2e benchmark: the load driver pinned to CPU 1, Redis and the services to CPU 0 (taskset)",
    )
    args = parser.parse_args(argv)

    for program in ("redis-server", "wrk"):
        if not have(program):
            print(
                f"bench: {program} is not installed (apt-get install {program if program == 'wrk' else 'redis-server'})",
                file=sys.stderr,
            )
            return 2
    chosen = [name for name in BENCHMARKS if not args.only or name in args.only]
    mode = "quick" if args.quick else "full"
    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = RESULTS / "run"
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    ctx = SimpleNamespace(
        quick=args.quick,
        machine=machine(),
        workdir=workdir,
        redis=bench_redis,
        results={},
        gateway_baseline=args.gateway_baseline,
        gateway_variants=args.gateway_variant,
        e2e_pinned=args.e2e_pinned,
    )
    print(
        f"bench ({mode}): {', '.join(chosen)}; {ctx.machine['cores']} cores, {ctx.machine['cpu']}; "
        f"load average {ctx.machine['load_average_at_start']}",
        flush=True,
    )

    failed = False
    for name in chosen:
        if time.monotonic() - started > BUDGET_S[mode]:
            log(f"{name}: skipped, the suite's time budget ({BUDGET_S[mode]} s) is spent")
            ctx.results[name] = {"error": "skipped: time budget spent"}
            continue
        print(f"\n== {name}: {BENCHMARKS[name].__doc__.splitlines()[0]}", flush=True)
        t0 = time.monotonic()
        try:
            ctx.results[name] = BENCHMARKS[name].run(ctx)
            ctx.results[name]["bench_seconds"] = round(time.monotonic() - t0, 1)
        except Exception as e:  # one benchmark failing must not lose the others' figures
            traceback.print_exc()
            ctx.results[name] = {"error": f"{type(e).__name__}: {e}"}
            failed = True
        log(f"{name} took {time.monotonic() - t0:.0f} s")

    violations = [name for name, r in ctx.results.items() if "VIOLATED" in json.dumps(r)]
    results = {
        "meta": {
            "started_at": started_at,
            "quick": args.quick,
            "only": args.only,
            "seconds": round(time.monotonic() - started, 1),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "machine": ctx.machine,
        "benchmarks": ctx.results,
    }
    markdown = report.render(results)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown)
    stamp = started_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    (RESULTS / f"{stamp}-{mode}.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n" + markdown)
    print(
        f"bench: {results['meta']['seconds']:.0f} s; results in {RESULTS / 'latest.json'} and {RESULTS / 'latest.md'}"
    )
    if violations:
        print(f"bench: INVARIANT VIOLATED in {', '.join(violations)}", file=sys.stderr)
    return 1 if failed or violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
