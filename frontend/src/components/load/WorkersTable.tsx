import type { SystemStatus } from "../../api/gateway";
import { ACTIVE_WORKER_IDLE_MS } from "../../lib/dashboardHistory";
import { formatCount, formatIdle } from "../../lib/format";

type Consumer = SystemStatus["consumers"][number];

function byActivity(a: Consumer, b: Consumer): number {
  const aActive = a.idleMs < ACTIVE_WORKER_IDLE_MS;
  const bActive = b.idleMs < ACTIVE_WORKER_IDLE_MS;
  if (aActive !== bActive) return aActive ? -1 : 1;
  return a.name.localeCompare(b.name);
}

/** Every consumer the stream's group knows; those silent for 30 s or more are shown as idle (or gone). */
export function WorkersTable({ consumers }: { consumers: Consumer[] | null }) {
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
