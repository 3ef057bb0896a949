import type { SystemStatus } from "../../api/gateway";
import { formatCount, formatIdle, formatRate } from "../../lib/format";

interface Props {
  /** The gateway's last /system/status; null until one arrives. */
  system: SystemStatus | null;
  /** Each worker's decisions per second, from successive polls. */
  rates?: Record<string, number | null>;
}

/**
 * The order workers as running processes (the gateway's heartbeat registry), each with its own throughput,
 * and the stream's consumers that still hold orders without running.
 */
export function WorkersTable({ system, rates = {} }: Props) {
  const workers = system?.workers ?? [];
  const consumers = system?.consumers ?? [];
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
        {!system
          ? "No data yet"
          : workers.length === 0
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
