import type { SystemStatus } from "../../api/gateway";
import type { WorkloadStats } from "../../api/generator";
import { activeWorkers } from "../../lib/dashboardHistory";
import { formatCount, formatMs, formatRate } from "../../lib/format";
import { StatTile } from "./StatTile";

interface Props {
  stats: WorkloadStats | null;
  system: SystemStatus | null;
}

export function KeyFigures({ stats, system }: Props) {
  const req = stats?.requests;
  const dec = stats?.decisions;
  const errors = req ? req.failed + req.dropped : null;
  // 503: the gateway refusing load on purpose (backpressure) or while Redis is away; shown apart
  // from other errors because it is the system protecting itself, not failing.
  const refused = req ? (req.byStatus["503"] ?? 0) : null;
  const backlog = system ? system.stream.lag + system.stream.pending : null;
  return (
    <section aria-labelledby="figures-heading">
      <h2 id="figures-heading" className="visually-hidden">
        Key figures
      </h2>
      <dl className="stats" data-testid="key-figures">
        <StatTile label="Target rate" value={stats ? `${formatRate(stats.running ? stats.targetRps : 0)} rps` : "–"} />
        <StatTile
          label="Achieved rate"
          value={stats ? `${formatRate(stats.running ? stats.achievedRps.last10s : 0)} rps` : "–"}
          hint={stats ? `overall ${formatRate(stats.achievedRps.overall)} rps` : undefined}
        />
        <StatTile label="Latency p50" value={formatMs(stats?.latencyMs.p50)} />
        <StatTile label="Latency p99" value={formatMs(stats?.latencyMs.p99)} tone={(stats?.latencyMs.p99 ?? 0) > 1000 ? "warn" : "default"} />
        <StatTile label="Requests sent" value={formatCount(req?.sent)} hint={req ? `${formatCount(req.inFlight)} in flight` : undefined} />
        <StatTile
          label="Errors"
          value={formatCount(errors)}
          hint={req ? `${formatCount(req.failed)} failed, ${formatCount(req.dropped)} dropped` : undefined}
          tone={errors ? "bad" : "default"}
        />
        <StatTile
          label="Refused, busy (503)"
          value={formatCount(refused)}
          hint="backpressure: the backlog is full, retry later"
          tone={refused ? "warn" : "default"}
        />
        <StatTile label="Confirmed" value={formatCount(dec?.confirmed)} tone="good" hint={dec ? `${formatCount(dec.pending)} awaiting decision` : undefined} />
        <StatTile label="Rejected" value={formatCount(dec?.rejected)} tone={dec?.rejected ? "warn" : "default"} />
        <StatTile label="Failed" value={formatCount(dec?.failed)} tone={dec?.failed ? "bad" : "default"} />
        <StatTile
          label="Stream backlog"
          value={formatCount(backlog)}
          hint={system ? `${formatCount(system.stream.lag)} waiting, ${formatCount(system.stream.pending)} in progress` : undefined}
        />
        <StatTile
          label="Decision time p99"
          value={formatMs(dec?.timeToDecisionMs.p99)}
          hint={dec ? `p50 ${formatMs(dec.timeToDecisionMs.p50)}, from order to decision` : undefined}
        />
        <StatTile label="Active workers" value={system ? String(activeWorkers(system).length) : "–"} />
      </dl>
    </section>
  );
}
