"""The benchmark suite (`make bench`, `python -m bench`): figures on localhost, never tests.

Benchmarks, in the order they run (bench/<name>.py; each module's docstring gives its method):
  intake      POST /orders, GET /tickets, GET /orders/{id} against a bare JSON app (the ceiling)
  workers     decisions per second with K = 1, 2, 4 worker processes, against the Redis-side ceiling
  e2e         open-loop load at 25/50/90 % of intake capacity: intake latency, time to decision
  contention  every order on one scarce ticket type: rate, and no oversell (the invariants)
  memory      Redis bytes per order (pending, decided, through the gateway) and the stream's bound
  (also)      gateway, scaling, step, lifecycle, live: see each module's docstring
  shards      decisions/s with 1 and 3 shards (one Redis, the local cluster), Redis CPU per order per node,
              and the ceiling expected with each master on its own machine (issue 17)
Results: bench/results/latest.json and latest.md (git-ignored). docs/performance.md explains them.

What the benchmarks share, one job a module:
  fixtures    the tickets sold and random order lines      budget      the time bound, progress lines
  store       the throwaway Redis and what is read back    preload     orders written straight into Redis
  rawredis    pre-encoded command batches over a socket    processes   the gateway and workers as processes
  cpu         CPU seconds of a process tree and of Redis   closedloop  wrk runs (bench/wrk.lua)
  openloop    the open-loop driver and its launcher        stats       percentiles, timestamps
  machine     the machine and tool versions                paths       where results go
"""
