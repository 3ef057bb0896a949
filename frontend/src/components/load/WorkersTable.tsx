import type { SystemStatus } from "../../api/gateway";
import type { WorkerProcess } from "../../api/scalingTypes";
import { ACTIVE_WORKER_IDLE_MS } from "../../lib/dashboardHistory";
import { formatCount, formatIdle, formatRate } from "../../lib/format";

type Consumer = SystemStatus["consumers"][number];

function byActivity(a: Consumer, b: Consumer): number {
  const aActive = a.idleMs < ACTIVE_WORKER_IDLE_MS;
  const bActive = b.idleMs < ACTIVE_WORKER_IDLE_MS;
  if (aActive !== bActive) return aActive ? -1 : 1;
  return a.name.localeCompare(b.name);
}

interface Props {
  consumers: Consumer[] | null;
  /** The running worker processes (heartbeat registry); absent from a gateway before issue 12. */
  workers?: WorkerProcess[] | null;
  /** Each worker's decisions per second, from successive polls. */
  rates?: Record<string, number | null>;
}

/**
 * The order workers as running processes, each with its own throughput. From a gateway without the
 * heartbeat registry: every consumer the stream's group knows, those silent for 30 s shown as idle.
 */
export function WorkersTable({ consumers, workers, rates = {} }: Props) {
  if (workers) return <ProcessTable workers={workers} consumers={consumers ?? []} rates={rates} />;
  return <ConsumerTable consumers={consumers} />;
}

function ProcessTable({ workers, consumers, rates }: { workers: WorkerProcess[]; consumers: Consumer[]; rates: Record<string, number | null> }) {
  const pending = new Map(consumers.map((c) => [c.name, c.pending]));
  const running = new Set(workers.map((w) => w.name));
  const departed = consumers.filter((c) => !running.has(c.name) && c.pending > 0);
  const total = workers.reduce<number | null>((sum, w) => {
    const r = rates[w.name];
    return r == null ? sum : (sum ?? 0) + r;
  }, null);
  return (
    <section className="card workers" aria-labelledby="workers-heading" data-testid="workers">
      <h3 id="workers-heading" className="chart-card__title">
        Order workers
      </h3>
      <p className="chart-card__summary">
        {workers.length === 0
          ? "No worker process is running."
          : `${workers.length} running ${workers.length === 1 ? "process" : "processes"}, ${formatRate(total)} decisions/s together`}
      </p>
      {workers.length > 0 && (
        <div className="table-scroll">
          <table className="table table--compact">
            <caption className="visually-hidden">Running order worker processes and their decisions per second</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col" className="num">Decisions/s</th>
                <th scope="col" className="num">Decided</th>
                <th scope="col" className="num">Pending</th>
                <th scope="col" className="num">Heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {[...workers]
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((w) => (
                  <tr key={w.name}>
                    <th scope="row" className="mono workers__name">
                      {w.name}
                    </th>
                    <td className="num">{formatRate(rates[w.name])}</td>
                    <td className="num">{formatCount(w.decided)}</td>
                    <td className="num">{formatCount(pending.get(w.name) ?? 0)}</td>
                    <td className="num">{formatIdle(w.heartbeatAgeMs)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {departed.length > 0 && (
        <p className="hint">
          Still holding orders, not running: {departed.map((c) => `${c.name} (${formatCount(c.pending)})`).join(", ")}; they are
          reclaimed after the idle time.
        </p>
      )}
    </section>
  );
}

function ConsumerTable({ consumers }: { consumers: Consumer[] | null }) {
  const active = consumers?.filter((c) => c.idleMs < ACTIVE_WORKER_IDLE_MS).length ?? 0;
  return (
    <section className="card workers" aria-labelledby="workers-heading" data-testid="workers">
      <h3 id="workers-heading" className="chart-card__title">
        Order workers
      </h3>
      <p className="chart-card__summary">
        {consumers === null
          ? "No data yet"
          : consumers.length === 0
            ? "No worker has joined the order stream yet."
            : `${active} active of ${consumers.length} seen (active: read the stream in the last ${ACTIVE_WORKER_IDLE_MS / 1000} s)`}
      </p>
      {consumers && consumers.length > 0 && (
        <div className="table-scroll">
          <table className="table table--compact">
            <caption className="visually-hidden">Order workers and their unacknowledged orders</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Pending
                </th>
                <th scope="col" className="num">
                  Last read
                </th>
              </tr>
            </thead>
            <tbody>
              {[...consumers].sort(byActivity).map((c) => {
                const isActive = c.idleMs < ACTIVE_WORKER_IDLE_MS;
                return (
                  <tr key={c.name} className={isActive ? "" : "is-muted"}>
                    <th scope="row" className="mono workers__name">
                      {c.name}
                    </th>
                    <td>
                      <span className={`badge ${isActive ? "badge--ok" : "badge--muted"}`}>{isActive ? "Active" : "Idle"}</span>
                    </td>
                    <td className="num">{formatCount(c.pending)}</td>
                    <td className="num">{formatIdle(c.idleMs)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
