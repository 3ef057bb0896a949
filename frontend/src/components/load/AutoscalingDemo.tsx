import { AUTOSCALING_DEMO, getScenarios } from "../../api/generator";
import { ApiError } from "../../api/transport";
import { usePoll } from "../../hooks/usePoll";
import { formatRate } from "../../lib/format";
import { describeStages, formatDuration } from "./scalingFormat";

interface Props {
  token: string | null;
  running: boolean;
  disabled: boolean;
  busy: boolean;
  onRun: () => void;
}

/** One click for the generator's staged autoscaling demo, described by its own GET /scenarios. */
export function AutoscalingDemo({ token, running, disabled, busy, onRun }: Props) {
  // The list changes only with the generator's version: asked once a minute, and not again after a 4xx.
  const scenarios = usePoll((signal) => getScenarios(token, signal), {
    intervalMs: 60_000,
    key: token ?? "",
    retryOn: (e) => !(e instanceof ApiError && e.status < 500),
  });
  const demo = scenarios.data?.find((s) => s.name === AUTOSCALING_DEMO) ?? null;
  const missing = scenarios.data !== undefined && demo === null;

  let text: string;
  if (demo) text = `${demo.description} About ${formatDuration(demo.durationS)}, up to ${formatRate(demo.peakRps)} orders/s.`;
  else if (missing) text = "This load generator offers no autoscaling demo scenario.";
  else if (scenarios.error) text = "Ramp up, hold, spike and ramp down (the generator did not describe it: GET /scenarios failed).";
  else text = "Ramp up, hold, spike and ramp down, over a few minutes.";

  return (
    <div className="autoscaling-demo" data-testid="autoscaling-demo">
      <h3 className="token-form__heading">{demo?.title ?? "Autoscaling demo"}</h3>
      <p className="hint" data-testid="autoscaling-demo-text">
        {text}
      </p>
      {demo && demo.timeline.length > 0 && (
        <p className="hint" data-testid="autoscaling-demo-stages">
          {describeStages(demo.timeline)}
        </p>
      )}
      <div className="button-row">
        <button type="button" className="button button--primary" disabled={disabled || running || missing} onClick={onRun}>
          {busy ? "Starting the demo…" : "Run the autoscaling demo"}
        </button>
      </div>
      {running && <p className="hint">A run is in progress: stop it first to start the demo.</p>}
    </div>
  );
}
