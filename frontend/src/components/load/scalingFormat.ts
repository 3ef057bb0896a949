/**
 * The words of the scaling view and of the run captions: pure functions, tested alone
 * (scalingFormat.test.ts), so the page only lays them out.
 */
import type { ErrorSample, StageWindow, WorkloadStats } from "../../api/generator";
import type { ScalingEvent, ScalingSource, ScalingTarget } from "../../api/gateway";
import { toEpochMs } from "../../lib/dashboardHistory";
import { formatCount, formatRate } from "../../lib/format";

// 24-hour clock, as `kubectl get events` and the autoscaler's log print it ("12:02:15").
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** "12:02:15" from ISO text (or epoch seconds / ms); the text itself when it is not a time. */
export function formatEventTime(time: string | number | null | undefined): string {
  const ms = toEpochMs(time);
  return ms === null ? String(time ?? "–") : clock.format(ms);
}

/** "12:02:15 order-worker 2 → 4: lag 412 > 50 per worker" */
export function formatScalingEvent(event: ScalingEvent): string {
  return `${formatEventTime(event.time)} ${event.target} ${event.from} → ${event.to}: ${event.reason}`;
}

/** The events newest first (the gateway sends them oldest first). */
export function newestFirst(events: ScalingEvent[]): ScalingEvent[] {
  return [...events].sort((a, b) => (toEpochMs(b.time) ?? 0) - (toEpochMs(a.time) ?? 0));
}

export const SOURCE_CAPTIONS: Record<ScalingSource, string> = {
  "local-autoscaler": "local autoscaler (make up)",
  kubernetes: "Kubernetes HPA",
  none: "no autoscaler",
};

/** "no autoscaler: <the gateway's reason>" when there is none, else where the replicas come from. */
export function sourceCaption(source: ScalingSource, message: string | null): string {
  if (source === "none") return `no autoscaler: ${message || "the gateway gave no reason"}`;
  return `Replicas from the ${SOURCE_CAPTIONS[source]}`;
}

/**
 * The time scale as a person reads it: the autoscaler multiplies every window and period by it,
 * so 0.1 is ten times shorter. Null when the windows are the manifests' own.
 */
export function timeScaleText(timeScale: number | null): string | null {
  if (timeScale === null || timeScale <= 0 || timeScale === 1) return null;
  return timeScale < 1
    ? `windows shortened ×${formatRate(1 / timeScale)}`
    : `windows lengthened ×${formatRate(timeScale)}`;
}

/**
 * The metric against its target, as the HPA compares them: lag per worker (the stream's lag over
 * the current replicas, an AverageValue target) or CPU % of the request.
 */
export function metricText(target: ScalingTarget): string {
  if (target.metric === "lag") {
    const goal = `target ${formatRate(target.target)} per worker`;
    if (target.metricValue === null) return `lag: no reading yet (${goal})`;
    const perWorker = target.metricValue / Math.max(target.current, 1);
    return `lag ${formatCount(target.metricValue)} = ${formatRate(perWorker)} per worker (${goal})`;
  }
  const goal = `target ${formatRate(target.target)} %`;
  if (target.metricValue === null) return `CPU: no reading yet (${goal})`;
  return `CPU ${formatRate(target.metricValue)} % of request (${goal})`;
}

/** Whether the metric is above its target, the way the autoscaler decides to scale out. */
export function metricAboveTarget(target: ScalingTarget): boolean {
  if (target.metricValue === null) return false;
  const value = target.metric === "lag" ? target.metricValue / Math.max(target.current, 1) : target.metricValue;
  return value > target.target;
}

export interface RunCaption {
  /** The figures are the live run's: only then may a caption say "now". */
  live: boolean;
  text: string;
}

/** What the generator's figures are: the running run's, or a finished run's (with when it ended). */
export function runCaption(stats: WorkloadStats | null): RunCaption {
  if (!stats) return { live: false, text: "No figures from the load generator" };
  if (stats.running) return { live: true, text: `Now: the run started ${formatCount(stats.elapsedS)} s ago` };
  if (stats.finishedAt) return { live: false, text: `Last run, finished at ${formatEventTime(stats.finishedAt)}` };
  if (stats.startedAt) return { live: false, text: "Last run (stopped)" };
  return { live: false, text: "No run yet" };
}

/** "503" → "HTTP 503"; "transport" → no HTTP answer at all. */
export function errorStatusLabel(key: string): string {
  if (key === "transport") return "No answer (transport errors)";
  return /^\d{3}$/.test(key) ? `HTTP ${key}` : key;
}

/** Per status, its samples newest first; statuses in order, "transport" last. */
export function errorSampleGroups(samples: WorkloadStats["errorSamples"]): { key: string; label: string; samples: ErrorSample[] }[] {
  return Object.entries(samples)
    .filter(([, list]) => list.length > 0)
    .sort(([a], [b]) => (a === "transport" ? 1 : b === "transport" ? -1 : a.localeCompare(b)))
    .map(([key, list]) => ({
      key,
      label: errorStatusLabel(key),
      samples: [...list].sort((x, y) => (toEpochMs(y.at) ?? 0) - (toEpochMs(x.at) ?? 0)),
    }));
}

/** "4 min 30 s", "45 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (minutes === 0) return `${rest} s`;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** "ramp up 30 s (10 → 150 rps) · hold 1 min (150 rps) · …", from a scenario's timeline. */
export function describeStages(timeline: StageWindow[] | undefined): string {
  return (timeline ?? [])
    .map((w) => {
      const rate = w.fromRps === w.toRps ? `${formatRate(w.toRps)} rps` : `${formatRate(w.fromRps)} → ${formatRate(w.toRps)} rps`;
      return `${w.label ?? "stage"} ${formatDuration(w.endS - w.startS)} (${rate})`;
    })
    .join(" · ");
}

/** How a chart's summary starts: "Now" only for a live run's figures. */
export function lead(caption: RunCaption | undefined): string {
  if (!caption || caption.live) return "Now";
  return `${caption.text}:`;
}

/**
 * The events that fall inside the time range of a chart's points (epoch ms), with their x. None
 * before there are two points: a one-point axis has no range for a marker to sit in.
 */
export function eventsWithin(events: ScalingEvent[] | undefined, points: { t: number }[]): { event: ScalingEvent; x: number }[] {
  if (!events || points.length < 2) return [];
  const from = Math.min(...points.map((p) => p.t));
  const to = Math.max(...points.map((p) => p.t));
  return events.flatMap((event) => {
    const x = toEpochMs(event.time);
    return x !== null && x >= from && x <= to ? [{ event, x }] : [];
  });
}
