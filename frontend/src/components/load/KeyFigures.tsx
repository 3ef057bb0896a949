import type { SystemStatus } from "../../api/gateway";
import type { WorkloadStats } from "../../api/generator";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { formatCount, formatMs, formatRate } from "../../lib/format";
import { runCaption } from "./scalingFormat";
import { StatTile } from "./StatTile";

interface Props {
  stats: WorkloadStats | null;
  system: SystemStatus | null;
  /** The latest sample: the system-wide rates. */
  latest?: DashboardSample | null;
}

function percent(share: number | undefined): string {
  return share == null ? "a share" : `${formatRate(share * 100)} %`;
}

export function KeyFigures({ stats, system, latest }: Props) {
  const req = stats?.requests;
  const dec = stats?.decisions;
  const errors = req ? req.failed + req.dropped : null;
  // 503: the gateway refusing load on purpose (backpressure) or while Redis is away; shown apart
  // from other errors because it is the system protecting itself, not failing.
  const refused = req ? (req.byStatus["503"] ?? 0) : null;
  const backlog = system ? system.stream.lag + system.stream.pending : null;
  const caption = runCaption(stats);
  // The generator follows only a share of its orders to their decision: its outcome counts say so.
  const sample = `of the ${percent(stats?.config.followShare)} of orders the generator follows`;
  return (
    <section aria-labelledby="figures-heading" data-testid="key-figures" className="figures">
      <h2 id="figures-heading" className="visually-hidden">
        Key figures
      </h2>
      <h3 className="figures__heading">The system: every order, whoever sent it</h3>
      <dl className="stats" data-testid="system-figures">
        <StatTile
          label="Accepted (all orders)"
          value={formatCount(system?.totals.accepted)}
          hint={latest?.intakePerS != null ? `${formatRate(latest.intakePerS)}/s now` : "entries added to the order stream"}
        />
        <StatTile
          label="Decided (all orders)"
          value={formatCount(system?.totals.decided)}
          tone="good"
          hint={latest?.decidedPerS != null ? `${formatRate(latest.decidedPerS)}/s now, all workers` : "acknowledged by the workers"}
        />
        <StatTile
          label="Stream backlog"
          value={formatCount(backlog)}
          hint={system ? `${formatCount(system.stream.lag)} waiting, ${formatCount(system.stream.pending)} in progress` : undefined}
        />
        <StatTile label="Worker processes" value={system ? String(system.workers.length) : "–"} hint="running, by their heartbeats" />
      </dl>

      <h3 className="figures__heading" data-testid="run-caption">
        The load generator's run · <span className={caption.live ? "is-live" : "is-past"}>{caption.text}</span>
      </h3>
      <dl className="stats" data-testid="run-figures">
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
        <StatTile
          label="Confirmed (followed sample)"
          value={formatCount(dec?.confirmed)}
          tone="good"
          hint={dec ? `${sample}; ${formatCount(dec.pending)} awaiting decision` : undefined}
        />
        <StatTile label="Rejected (followed sample)" value={formatCount(dec?.rejected)} tone={dec?.rejected ? "warn" : "default"} hint={dec ? sample : undefined} />
        <StatTile label="Failed (followed sample)" value={formatCount(dec?.failed)} tone={dec?.failed ? "bad" : "default"} hint={dec ? sample : undefined} />
        <StatTile
          label="Decision time p99 (followed sample)"
          value={formatMs(dec?.timeToDecisionMs.p99)}
          hint={dec ? `p50 ${formatMs(dec.timeToDecisionMs.p50)}, from order to decision` : undefined}
        />
      </dl>
    </section>
  );
}
