import type { ScalingStatus, ScalingTarget } from "../../api/gateway";
import { ApiError } from "../../api/transport";
import { formatCount } from "../../lib/format";
import { formatEventTime, metricAboveTarget, metricText, sourceCaption, timeScaleText } from "./scalingFormat";
import { ScalingTimeline } from "./ScalingTimeline";

// The gateway names targets with a plain string: the known ones get a title, any other shows its name.
const TARGET_TITLES: Partial<Record<string, string>> = {
  "order-worker": "Order workers",
  "api-gateway": "API gateway",
};

function TargetCard({ target }: { target: ScalingTarget }) {
  const scale = timeScaleText(target.timeScale);
  const moving = target.desired !== target.current;
  return (
    <article className="card scaling-target" aria-labelledby={`scaling-${target.name}`} data-testid={`scaling-${target.name}`}>
      <h3 id={`scaling-${target.name}`} className="chart-card__title">
        {TARGET_TITLES[target.name] ?? target.name} <span className="mono scaling-target__name">{target.name}</span>
        {target.stale && <span className="badge badge--low scaling-target__badge">Stale</span>}
      </h3>
      <dl className="scaling-target__replicas">
        <div>
          <dt>Current</dt>
          <dd data-testid="replicas-current">{formatCount(target.current)}</dd>
        </div>
        <div>
          <dt>Desired</dt>
          <dd data-testid="replicas-desired" className={moving ? "is-moving" : ""}>
            {formatCount(target.desired)}
          </dd>
        </div>
        <div>
          <dt>Min</dt>
          <dd>{formatCount(target.min)}</dd>
        </div>
        <div>
          <dt>Max</dt>
          <dd>{formatCount(target.max)}</dd>
        </div>
      </dl>
      <p className={`scaling-target__metric ${metricAboveTarget(target) ? "is-above" : ""}`} data-testid="scaling-metric">
        {metricText(target)}
      </p>
      <p className="hint" data-testid="scaling-policy">
        {[
          target.overlay && `policy of overlay ${target.overlay}`,
          scale,
          target.stale
            ? `last reported at ${formatEventTime(target.updatedAt)}, not updated since`
            : `updated ${formatEventTime(target.updatedAt)}`,
        ]
          .filter(Boolean)
          .join(" · ")}
      </p>
    </article>
  );
}

interface Props {
  scaling: ScalingStatus | null;
  error: unknown;
}

/** Per scaled service: replicas, the metric against its target, and the scaling events. */
export function ScalingPanel({ scaling, error }: Props) {
  let caption: string;
  if (scaling) caption = sourceCaption(scaling.source, scaling.message);
  else if (error instanceof ApiError && error.status === 404) caption = "This API gateway has no scaling view (GET /system/scaling answered 404).";
  else if (error) caption = "The scaling view is unavailable: the API gateway did not answer.";
  else caption = "No data yet";

  return (
    <section className="scaling" aria-labelledby="scaling-heading" data-testid="scaling">
      <h2 id="scaling-heading" className="section-heading">
        Autoscaling
      </h2>
      <p className={`scaling__source ${scaling?.source === "none" ? "is-none" : ""}`} data-testid="scaling-source">
        {caption}
      </p>
      {scaling && scaling.source !== "none" && scaling.message && (
        <p className="hint" data-testid="scaling-message">
          {scaling.message}
        </p>
      )}
      {scaling && scaling.targets.length > 0 && (
        <div className="scaling__targets">
          {scaling.targets.map((t) => (
            <TargetCard key={t.name} target={t} />
          ))}
        </div>
      )}
      {scaling && <ScalingTimeline events={scaling.events} />}
    </section>
  );
}
