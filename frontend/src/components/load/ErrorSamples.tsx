import type { WorkloadStats } from "../../api/generator";
import { formatCount } from "../../lib/format";
import { errorSampleGroups, formatEventTime, runCaption } from "./scalingFormat";

/** When the generator's requests fail: the latest answers per status, so the reason is on the page. */
export function ErrorSamples({ stats }: { stats: WorkloadStats | null }) {
  if (!stats) return null;
  const groups = errorSampleGroups(stats.errorSamples);
  if (groups.length === 0) return null;
  const caption = runCaption(stats);
  return (
    <section className="card error-samples" aria-labelledby="error-samples-heading" data-testid="error-samples">
      <h3 id="error-samples-heading" className="chart-card__title">
        Why requests failed
      </h3>
      <p className="chart-card__summary">
        {caption.text} · the latest answers per status, as the generator received them
      </p>
      {groups.map((g) => {
        const count = stats.requests.byStatus[g.key];
        return (
          <div key={g.key} className="error-samples__group" data-testid={`error-samples-${g.key}`}>
            <h4 className="error-samples__status">
              {g.label}
              {count != null && <span className="hint"> · {formatCount(count)} in this run</span>}
            </h4>
            <ul className="error-samples__list">
              {g.samples.map((s, i) => (
                <li key={`${s.at}-${i}`}>
                  <span className="mono hint">{formatEventTime(s.at)}</span> <code className="error-samples__body">{s.body}</code>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
