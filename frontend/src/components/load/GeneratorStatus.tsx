import type { WorkloadStats } from "../../api/generator";
import { formatCount } from "../../lib/format";

interface Props {
  stats: WorkloadStats | null;
  unreachable: boolean;
}

/** Running / stopped / unreachable, in a live region: starting and stopping are announced. */
export function GeneratorStatus({ stats, unreachable }: Props) {
  let label = "Connecting…";
  let tone = "muted";
  if (unreachable) {
    label = "Load generator unreachable";
    tone = "bad";
  } else if (stats?.running) {
    const elapsed = stats.elapsedS != null ? ` · ${formatCount(stats.elapsedS)} s` : "";
    label = `Running${elapsed}`;
    tone = "ok";
  } else if (stats) {
    label = "Stopped";
  }
  return (
    <p className="generator-status" role="status" data-testid="generator-status">
      <span className={`badge badge--${tone}`}>{label}</span>
    </p>
  );
}
