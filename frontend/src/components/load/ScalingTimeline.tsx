import type { ScalingEvent } from "../../api/gateway";
import { formatScalingEvent, newestFirst } from "./scalingFormat";

/** The scaling events, newest first, each as one line a person (and `kubectl get hpa -w`) would write. */
export function ScalingTimeline({ events }: { events: ScalingEvent[] }) {
  return (
    <section className="card scaling-timeline" aria-labelledby="scaling-events-heading" data-testid="scaling-events">
      <h3 id="scaling-events-heading" className="chart-card__title">
        Scaling events
      </h3>
      {events.length === 0 ? (
        <p className="chart-card__summary">No scaling event yet: the replicas have not changed.</p>
      ) : (
        <ol className="scaling-timeline__list">
          {newestFirst(events).map((e) => (
            <li key={`${e.time}-${e.target}-${e.from}-${e.to}`} className={e.to > e.from ? "is-up" : "is-down"}>
              {formatScalingEvent(e)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
