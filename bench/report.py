"""The results as Markdown tables (bench/results/latest.md, ready to paste into docs/performance.md)."""

from __future__ import annotations


def _n(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def machine(m: dict, meta: dict) -> list[str]:
    return [
        f"Run {meta['started_at']} ({'quick' if meta['quick'] else 'full'}, {meta['seconds']:.0f} s). "
        f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB; {m['os']}; Python {m['python']}, "
        f"Redis {m['redis_server']} (redis-py {m['redis_py']}), gunicorn {m['gunicorn']}, wrk {m['wrk']}; "
        f"load average (1, 5, 15 min) at start {', '.join(str(x) for x in m['load_average_at_start'])}"
        + (
            f", at end {', '.join(str(x) for x in meta['load_average_at_end'])}"
            if meta.get("load_average_at_end")
            else ""
        )
        + ".",
        "",
    ]


def intake(r: dict) -> list[str]:
    rows = []
    for e in r["endpoints"]:
        g, c = e["gateway"], e["ceiling"]
        rows.append(
            [
                f"`{e['endpoint']}`",
                _n(g["rps"]),
                _n(g["p50_ms"], 1),
                _n(g["p99_ms"], 1),
                _n(c["rps"]),
                _n(c["p50_ms"], 1),
                _n(c["p99_ms"], 1),
                f"**{e['ratio']:.2f}**",
                f"{g['server_cpu_ms_per_request']:.2f} / {c['server_cpu_ms_per_request']:.2f}",
                _n(g["redis_cpu_us_per_request"]),
            ]
        )
    out = [
        f"### 1. Gateway intake (wrk, closed loop, {r['connections']} connections; median of {r['rounds']} "
        f"alternating rounds of {r['seconds_per_run']} s; gunicorn {r.get('gateway_workers')} workers x "
        f"{r.get('gateway_threads_per_worker')} threads)",
        "",
        *_table(
            [
                "endpoint",
                "gateway req/s",
                "p50 ms",
                "p99 ms",
                "ceiling req/s",
                "p50 ms",
                "p99 ms",
                "gateway / ceiling",
                "server CPU ms/req (gateway / ceiling)",
                "Redis CPU µs/req",
            ],
            rows,
        ),
        "",
    ]
    post = r["endpoints"][0]["gateway"]
    if post.get("redis_bytes_per_order"):
        out += [
            f"Redis memory written per accepted order (hash, stream entry, idempotency record): "
            f"{_n(post['redis_bytes_per_order'])} bytes.",
            "",
        ]
    commands = "; ".join(
        f"{e['endpoint']}: "
        + ", ".join(f"{k.upper()} {v['usec_per_call']:.1f} µs" for k, v in e.get("redis_commands", {}).items())
        for e in r["endpoints"]
        if e.get("redis_commands")
    )
    if commands:
        out += [f"Redis time per command the gateway sent (INFO commandstats): {commands}.", ""]
    spread = "; ".join(
        f"{e['endpoint']}: gateway {_n(e['gateway']['rps_min'])}–{_n(e['gateway']['rps_max'])}, "
        f"ceiling {_n(e['ceiling']['rps_min'])}–{_n(e['ceiling']['rps_max'])}"
        for e in r["endpoints"]
    )
    out += [f"Spread of req/s over the rounds: {spread}.", ""]
    return out


def workers(r: dict) -> list[str]:
    c = r["ceiling"]
    rows = []
    for run in r["runs"]:
        k = f"{run['k']}" + (f" (on {r['cores']} cores)" if run["k"] > r["cores"] else "")
        rows.append(
            [
                k,
                _n(run["orders_per_s"]),
                f"{run['speedup_vs_k1']:.2f}x",
                f"**{run['ratio_to_ceiling']:.2f}**",
                _n(run["worker_cpu_us_per_order"]),
                _n(run["redis_cpu_us_per_order"]),
                _n(run["redis_evalsha_us_per_call"], 1),
                run["invariants"],
            ]
        )
    rows.append(
        [
            "ceiling: 1 client, EVALSHA pipelined",
            _n(c["orders_per_s"]),
            "",
            "1.00",
            "–",
            _n(c["redis_cpu_us_per_order"]),
            _n(c["redis_evalsha_us_per_call"], 1),
            c["invariants"],
        ]
    )
    width = 48
    top = max([c["orders_per_s"]] + [run["orders_per_s"] for run in r["runs"]]) or 1
    bars = [
        f"K={run['k']:<8} {'#' * max(round(run['orders_per_s'] / top * width), 1):<{width}} "
        f"{run['orders_per_s']:>9,.0f}/s" + (f"  ({r['cores']} cores)" if run["k"] > r["cores"] else "")
        for run in r["runs"]
    ]
    bars.append(
        f"{'ceiling':<10} {'#' * max(round(c['orders_per_s'] / top * width), 1):<{width}} {c['orders_per_s']:>9,.0f}/s"
    )
    return [
        f"### 2. Worker decision rate ({r['orders']:,} preloaded orders, batches of {r['batch']})",
        "",
        *_table(
            [
                "worker processes (K)",
                "orders/s",
                "vs K=1",
                "vs ceiling",
                "worker CPU µs/order",
                "Redis CPU µs/order",
                "EVALSHA µs/call",
                "invariants",
            ],
            rows,
        ),
        "",
        "Scaling curve (decisions per second):",
        "",
        "```",
        *bars,
        "```",
        "",
    ]


def e2e(r: dict) -> list[str]:
    rows = []
    for lv in r["levels"]:
        lat, ttd = lv["intake_latency_ms"], lv["time_to_decision_ms"]
        bad = lv["scheduled"] - lv["by_status"].get("201", 0)
        rows.append(
            [
                f"{lv['level']:.0%}",
                _n(lv["target_rps"]),
                _n(lv["achieved_rps"]),
                _n(lat.get("p50"), 1),
                _n(lat.get("p90"), 1),
                _n(lat.get("p99"), 1),
                _n(lat.get("max"), 1),
                _n(ttd.get("p50")),
                _n(ttd.get("p90")),
                _n(ttd.get("p99")),
                _n(ttd.get("max")),
                _n(lv["max_xlen"]),
                _n(bad),
                _n(lv["driver_send_lateness_ms"].get("p99"), 1),
                _n(lv.get("driver_cores"), 2),
                " / ".join(_n(c, 1) for c in lv.get("gateway_process_cpu_s", [])) or "–",
            ]
        )
    return [
        f"### 3. End to end at a fixed arrival rate (open loop, {r['seconds_per_level']} s a level, "
        f"{r['workers']} workers; capacity {_n(r['capacity_rps'])} orders/s from {r['capacity_source']}"
        + (f"; {r['pinned']}" if r.get("pinned") else "")
        + ")",
        "",
        *_table(
            [
                "load",
                "target/s",
                "achieved/s",
                "intake p50 ms",
                "p90",
                "p99",
                "max",
                "decision p50 ms",
                "p90",
                "p99",
                "max",
                "max XLEN",
                "not 201",
                "driver lateness p99 ms",
                "driver CPU, cores",
                "CPU s of each gateway process",
            ],
            rows,
        ),
        "",
        "Intake latency runs from each request's scheduled time to its complete answer; time to decision is "
        "decidedAt − createdAt (millisecond timestamps) of every order answered 201.",
        "",
    ]


def contention(r: dict) -> list[str]:
    s = r.get("statuses", {})
    return [
        "### 4. Contention (every order on one ticket type)",
        "",
        *_table(
            [
                "orders",
                "stock",
                "workers",
                "orders/s",
                "vs uncontended K=2",
                "confirmed",
                "rejected",
                "sold",
                "oversold",
                "invariants",
            ],
            [
                [
                    _n(r["orders"]),
                    _n(r["stock_initial"]),
                    r["k"],
                    _n(r["orders_per_s"]),
                    _n(r.get("ratio_to_uncontended_k2"), 2),
                    _n(s.get("confirmed", 0)),
                    _n(s.get("rejected", 0)),
                    _n(r["sold"]),
                    _n(r["oversold"]),
                    r["invariants"],
                ]
            ],
        ),
        "",
    ]


def memory(r: dict) -> list[str]:
    p, f = r["preloaded"], r["flow"]
    w = r.get("what_if_listpack")
    rows = [
        [
            "pending: order hash + stream entry",
            _n(p["bytes_per_order_pending"]),
            _n(p["mib_per_100k_pending"], 1),
            f"hash {p['order_hash_encoding']}, {_n(p['order_hash_bytes'])} B; stream {_n(p['stream_bytes_per_entry'])} B/entry",
        ],
        [
            "decided: order hash (stream trimmed)",
            _n(p["bytes_per_order_decided"]),
            _n(p["mib_per_100k_decided"], 1),
            f"hash {p['decided_order_hash_encoding']}, {_n(p['decided_order_hash_bytes'])} B",
        ],
        [
            "decided, through the gateway (+ idempotency record)",
            _n(f["bytes_per_order"]),
            _n(f["mib_per_100k"], 1),
            f"idempotency record {f['idempotency_record_encoding']}, {_n(f['idempotency_record_bytes'])} B",
        ],
    ]
    if w:
        rows.append(
            [
                f"what if `hash-max-listpack-value {w['hash_max_listpack_value']}`: pending",
                _n(w["bytes_per_order_pending"]),
                _n(w["mib_per_100k_pending"], 1),
                f"hash {w['order_hash_encoding']}, {_n(w['order_hash_bytes'])} B",
            ]
        )
    return [
        f"### 5. Memory (used_memory; {r['orders']:,} preloaded orders)",
        "",
        *_table(["orders in Redis", "bytes/order", "MiB per 100k orders", "detail"], rows),
        "",
        f"Stream bound: orders through the gateway at {_n(f['rate'])}/s for {f['seconds']} s with 2 workers: "
        f"max XLEN {_n(f['max_xlen'])} (rate x WORKER_RECOVERY_INTERVAL_MS = {_n(f['expected_bound'])}); "
        f"{_n(f['xlen_after_trim'])} after the last trim.",
        "",
    ]


def scaling(r: dict) -> list[str]:
    rows = [
        [
            f"{run['k']}" + (f" (on {r['cores']} cores)" if run["k"] > r["cores"] else ""),
            _n(run["orders"]),
            _n(run["seconds"], 2),
            _n(run["orders_per_s"]),
            _n(run["k"] * r["stated_capacity_per_worker"]),
            f"{run['of_stated_capacity']:.2f}",
            f"**{run['efficiency']:.2f}**" if run["efficiency"] is not None else "–",
            _n(run["worker_cpu_us_per_order"]),
            _n(run["redis_cpu_us_per_order"]),
            _n(run["cores_busy"], 2),
            run["invariants"],
        ]
        for run in r["runs"]
    ]
    return [
        f"### 6. Scale-out at the demo's per-order latency ({r['work_ms']} ms a call, {r['concurrency']} calls "
        f"at once per worker, batches of {r['batch']}; {_n(r['orders_per_worker'])} orders per worker)",
        "",
        *_table(
            [
                "worker processes (K)",
                "orders",
                "s",
                "rate_K orders/s",
                "stated K x capacity",
                "of stated",
                "efficiency rate_K / (K x rate_1)",
                "worker CPU µs/order",
                "Redis CPU µs/order",
                "cores busy",
                "invariants",
            ],
            rows,
        ),
        "",
    ]


def gateway(r: dict) -> list[str]:
    rows = []
    for label, t in r["targets"].items():
        rows.append(
            [
                f"`{label}`",
                _n(t["rps"]),
                f"{_n(t['rps_min'])}–{_n(t['rps_max'])}",
                _n(t["p50_ms"], 1),
                _n(t["p99_ms"], 1),
                f"**{t['ratio_to_ceiling']:.2f}**",
                f"{t['ratio_to_reference']:.2f}",
                f"**{t['cpu_ms_per_order']:.2f}**" if t["cpu_ms_per_order"] is not None else "–",
                ", ".join(_n(c, 2) for c in t["cpu_ms_per_order_rounds"]),
                _n(t["redis_cpu_us_per_order"]),
                _n(t["bad_status"]),
            ]
        )
    workers = r.get("gunicorn_workers", {})
    return [
        f"### 1b. POST /orders: the gateway, the spec's minimal implementation and the bare ceiling (wrk, closed "
        f"loop, {r['connections']} connections; median of {r['rounds']} alternating rounds of {r['seconds_per_run']} s)",
        "",
        *_table(
            [
                "target",
                "req/s",
                "rounds",
                "p50 ms",
                "p99 ms",
                "/ ceiling",
                "/ reference",
                "server CPU ms per 201",
                "per round",
                "Redis CPU µs per 201",
                "not 201",
            ],
            rows,
        ),
        "",
        "gunicorn worker processes: " + ", ".join(f"{k} {v}" for k, v in workers.items()) + ".",
        "",
        *_in_process(r.get("in_process")),
    ]


def _in_process(r: dict | None) -> list[str]:
    if not r:
        return []
    rows = [
        [f"`{t}`", _n(v["cpu_us_per_request"]), ", ".join(_n(c) for c in v["cpu_us_per_round"])] for t, v in r.items()
    ]
    return [
        "The apps alone: POST /orders called through WSGI in one process, no gunicorn (bench/inprocess.py; best of 5 "
        "rounds):",
        "",
        *_table(["app", "CPU µs per request", "per round"], rows),
        "",
    ]


def step(r: dict) -> list[str]:
    rows = [
        ["orders written (step)", f"{_n(r.get('orders'))} at {r['step_rps']}/s for {r['step_s']} s"],
        ["stated capacity", f"{_n(r['stated_capacity_per_worker'])} orders/s per worker; {r['min']} at the minimum"],
        [
            "first scale-out",
            f"decided {_n(r.get('first_scale_out_decided_s'), 1)} s after the step, "
            f"its workers running at {_n(r['first_scale_out_s'], 1)} s",
        ],
        ["peak replicas", f"**{r['peak_replicas']}** (max {r['max']})"],
        ["peak backlog", f"{_n(r['peak_backlog'])} orders"],
        [
            f"backlog back under one worker's target ({r['target']:g})",
            f"**{_n(r['backlog_under_target_s'], 1)} s** after the step (over it from {_n(r['backlog_over_target_s'], 1)} s)",
        ],
        ["decisions/s, last 5 s of the step", _n(r["decided_per_s_end_of_step"], 1)],
        ["back to the minimum", f"{_n(r['back_to_min_after_load_s'], 1)} s after the load ended"],
        ["invariants", r["invariants"]],
    ]
    events = [f"- {e['t']:.1f} s: {e['line']}" for e in r.get("events", [])]
    return [
        f"### 7. Step response (local autoscaler, {r['overlay']} policy, time scale {r['time_scale']:g}: "
        f"a sync every {r['sync_period_s']:g} s; {r['rule']})",
        "",
        *_table(["figure", "value"], rows),
        "",
        "Scaling events:",
        "",
        *events,
        "",
        *([f"![Step response]({r['chart']})", ""] if r.get("chart") else []),
    ]


def lifecycle(r: dict) -> list[str]:
    p = r["provider"]
    rows = []
    for run in r["runs"]:
        a, b = run["above"], run.get("below", {})
        tc, td = b.get("to_confirmed_ms", {}), b.get("to_decided_ms", {})
        rows.append(
            [
                f"{run['k']}" + (f" (on {r['cores']} cores)" if run["k"] > r["cores"] else ""),
                _n(a["offered_rps"]),
                f"**{_n(a['decided_per_s'])}**",
                _n(run["per_worker_per_s"]),
                f"{run['of_stated']:.2f}",
                _n(run["efficiency"], 2),
                _n(b.get("offered_rps")),
                f"**{_n(tc.get('p50'))}** / **{_n(tc.get('p99'))}**",
                f"{_n(td.get('p50'))} / {_n(td.get('p99'))} / {_n(td.get('max'))}",
                " / ".join(_n(a.get(f"{x}_cpu_us_per_order")) for x in ("worker", "provider", "redis")),
                _n(max(a["ledger_max_drift"], b.get("ledger_max_drift", 0))),
                run["invariants"],
            ]
        )
    h = r.get("held", {})
    per = h.get("bytes_per_held_order", {})
    out = [
        f"### 8. Lifecycle at the default payment latency (the real provider: lognormal median "
        f"{p['latency_median_ms']:g} ms, sigma {p['latency_sigma']:g}, mean {p['latency_mean_ms']:g} ms; mix "
        f"{p['outcome_mix']}; {r['concurrency']} charges at once per worker, batches of {r['batch']}; "
        f"open loop, {r['seconds_per_run']:g} s a run)",
        "",
        *_table(
            [
                "workers (K)",
                "offered/s (above capacity)",
                "decisions/s",
                "per worker",
                f"of stated K x {_n(r['stated_capacity_per_worker'])}",
                "efficiency vs K=1",
                "offered/s (below)",
                "to confirmed p50 / p99 ms",
                "to decided p50 / p99 / max ms",
                "CPU µs/order: workers / provider / Redis",
                "ledger drift (sampled)",
                "invariants",
            ],
            rows,
        ),
        "",
        f"Orders written with the gateway's enqueue_order.lua ({r['intake']}). Decisions/s: terminal "
        "decisions in the above-capacity run after its first second; latency: decidedAt − createdAt of the "
        "below-capacity run's orders. CPU per order over the above-capacity run and its drain (Redis's "
        "includes the driver's writes and the polling for terminal statuses).",
        "",
    ]
    if h:
        out += [
            f"Held stock: {_n(h['held_orders'])} payLater orders reserved ({_n(h['tickets_held'])} tickets held); "
            f"MEMORY USAGE growth per held order: ticketing:holds {_n(per.get('holds'), 1)} B ({h['holds_encoding']}), "
            f"ticketing:stock:held {_n(per.get('stock_held'), 1)} B, the order hash's added fields "
            f"{_n(per.get('order_hashes'), 1)} B ({h['order_hash_encoding']}): "
            f"**{_n(h['bytes_per_held_order_total'], 1)} B per held order** "
            f"({_n(h['mib_per_100k_held'], 1)} MiB per 100k; used_memory grew {_n(per.get('used_memory'), 1)} B "
            f"per order); {h['invariants']}.",
            "",
        ]
    return out


def live(r: dict) -> list[str]:
    none, idle = r["none"], r["idle"]
    return [
        f"### 9. Live updates: POST /orders with 0 and with {_n(r['subscribers'])} idle SSE subscribers "
        f"({r['connections']} connections, {r['rounds']} alternating rounds of {r['seconds_per_run']:g} s)",
        "",
        *_table(
            [
                "subscribers",
                "POST /orders req/s (median)",
                "p50 ms",
                "p99 ms",
                "gateway CPU ms/request",
                "rounds req/s",
            ],
            [
                [
                    label,
                    f"**{_n(row['rps'])}**",
                    _n(row["p50_ms"], 2),
                    _n(row["p99_ms"], 2),
                    _n(row.get("gateway_cpu_ms_per_request"), 3),
                    " / ".join(_n(x) for x in row["rps_rounds"]),
                ]
                for label, row in (("0", none), (_n(r["subscribers"]), idle))
            ],
        ),
        "",
        f"Ratio with / without: **{r['ratio']}** of the medians, **{r.get('ratio_of_pairs')}** the median of "
        "each round's back-to-back pair. The live service's RSS grew "
        f"**{_n(r['rss_bytes_per_subscriber'] / 1024, 1)} KiB per subscriber** when it first held them "
        f"(each round: {', '.join(_n(x / 1024, 1) for x in r['rss_per_subscriber_rounds'])} KiB; later rounds "
        "reuse the memory the closed streams left to Python's allocator); its own gauge counted "
        f"{' / '.join(_n(x) for x in r.get('open_streams_seen', []))} open streams; it used "
        f"{r['live_cpu_s_during_idle_run']:g} CPU s while they sat idle through a run.",
        "",
    ]


def _node(n: dict) -> str:
    served = ", ".join(str(s) for s in n["shards"])
    return f"{n['node']} (shard {served})" if served else f"{n['node']} (no shard)"


def shards(r: dict) -> list[str]:
    labels = {run["setup"]: run["label"] for run in r["runs"]}
    rows, node_rows = [], []
    for run in r["runs"]:
        masters = [n for n in run["nodes"] if n["role"] == "master" and n["decided"]]
        replicas = [n for n in run["nodes"] if n["role"] == "replica" and n["decided"]]
        rows.append(
            [
                run["label"],
                _n(run["orders"]),
                f"**{_n(run['orders_per_s'])}**",
                _n(run.get("orders_per_s_to_99pct")),
                f"{_n(run.get('worker_errors'))} / {_n(run.get('reclaimed'))}",
                _n(run.get("cores_busy"), 2),
                _n(run["worker_cpu_us_per_order"]),
                " / ".join(f"**{_n(n['cpu_us_per_order'])}**" for n in masters) or "–",
                " / ".join(_n(n["cpu_us_per_order"]) for n in replicas) or "–",
                _n(run["redis_cpu_us_per_order"]),
                " / ".join(_n(n["evalsha_us_per_call"], 1) for n in masters) or "–",
                run["invariants"],
            ]
        )
        node_rows += [
            [
                run["label"],
                _node(n),
                _n(n["decided"]),
                _n(n["cpu_s"], 3),
                _n(n["cpu_us_per_order"]),
                _n(n["evalsha_us_per_call"], 1),
            ]
            for n in run["nodes"]
        ]
    out = [
        f"### 10. Shards: 1 and 3 shards, one Redis and the Redis Cluster ({_n(r['orders'])} preloaded orders "
        f"a set-up, {r['workers']} worker processes, on {r['cores']} cores)",
        "",
        *_table(
            [
                "set-up",
                "orders",
                "decisions/s",
                "to the first 99 %",
                "worker errors / reclaimed",
                f"cores busy (of {r['cores']})",
                "worker CPU µs/order",
                "Redis CPU µs/order, each master",
                "each replica",
                "all nodes",
                "EVALSHA µs/call, each master",
                "invariants",
            ],
            rows,
        ),
        "",
        f"Measured decisions/s: {r['bound']}.",
        "",
    ]
    if any(run.get("worker_errors") for run in r["runs"]):
        out += [
            "A worker error leaves its entry pending until it has been idle for WORKER_CLAIM_IDLE_MS and is "
            "reclaimed: the full drain's decisions/s then include that wait, the rate to the first 99 % does not. "
            "Last error: "
            + "; ".join(
                f"{run['label']}: `{run['last_worker_error']}`" for run in r["runs"] if run.get("worker_errors")
            )
            + ".",
            "",
        ]
    out += [
        "Every node (CPU over the drain; µs per order = CPU / the decisions of the shards it holds):",
        "",
        *_table(["set-up", "node", "orders served", "CPU s", "CPU µs/order", "EVALSHA µs/call"], node_rows),
        "",
    ]
    m = r.get("separate_machines")
    if m:
        ones = m["one_shard_orders_per_s"]
        three = next((run for run in r["runs"] if run["setup"] == "cluster-3"), {"nodes": []})
        held = {n["node"]: ", ".join(str(s) for s in n["shards"]) for n in three["nodes"]}
        split_rows = [
            [
                name,
                ", ".join(f"shard {held.get(node, node)} {s:.2f}" for node, s in c["shares"].items()),
                f"**{_n(c['orders_per_s'])}**",
                *(f"{c['ratio_to'][k]:.2f}x" for k in ones),
                _n(c.get("worker_cores_needed"), 1),
            ]
            for name, c in m["three_shards"].items()
        ]
        out += [
            "Expected on separate machines (each master on a machine of its own: a master saturates at "
            "1 / its CPU per order; the system at min over masters of that / the master's share of the orders):",
            "",
            "- 1 shard: " + "; ".join(f"{labels.get(k, k)} **{_n(v)}** orders/s" for k, v in ones.items()),
            "",
            *_table(
                [
                    "3 shards, split of the orders",
                    "each master's share",
                    "ceiling orders/s",
                    *(f"vs {labels.get(k, k)}" for k in ones),
                    "worker cores it needs",
                ],
                split_rows,
            ),
            "",
        ]
    return out


SECTIONS = {
    "intake": intake,
    "gateway": gateway,
    "workers": workers,
    "e2e": e2e,
    "contention": contention,
    "memory": memory,
    "scaling": scaling,
    "step": step,
    "lifecycle": lifecycle,
    "live": live,
    "shards": shards,
}


def render(results: dict) -> str:
    lines = ["## Results", "", *machine(results["machine"], results["meta"])]
    for name, render_one in SECTIONS.items():
        r = results["benchmarks"].get(name)
        if r is None:
            continue
        if "error" in r:
            lines += [f"### {name}: failed", "", f"    {r['error']}", ""]
            continue
        lines += render_one(r)
    return "\n".join(lines).rstrip() + "\n"
