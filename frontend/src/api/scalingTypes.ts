/**
 * UNTIL `make types` REGENERATES THEM: the issue-12 additions to the gateway's and the generator's
 * APIs, written by hand from /work/briefs/scaling-contract.md because ./schema/*.ts does not have
 * them yet. Shaped exactly as the contract, so the merge can swap each one for its generated twin
 * (`components["schemas"][...]` / `JsonResponse<paths[...]>`) and delete this file.
 */

// ---- gateway: GET /system/scaling ----

export type ScalingSource = "local-autoscaler" | "kubernetes" | "none";

export interface ScalingTarget {
  name: "order-worker" | "api-gateway";
  current: number;
  desired: number;
  min: number;
  max: number;
  metric: "lag" | "cpu";
  /** lag: the stream's lag (the whole backlog, not per worker); cpu: utilization in % of the request. */
  metricValue: number | null;
  /** lag: per worker (AverageValue); cpu: % of the request. */
  target: number;
  overlay: string | null;
  /** Multiplies every window and period; 0.1 = ten times shorter, for a demo. */
  timeScale: number | null;
  stale: boolean;
  updatedAt: string;
}

export interface ScalingEvent {
  time: string;
  target: string;
  from: number;
  to: number;
  reason: string;
}

export interface ScalingStatus {
  source: ScalingSource;
  /** When source is "none": why. */
  message: string | null;
  targets: ScalingTarget[];
  /** Oldest first, the last 50. */
  events: ScalingEvent[];
}

// ---- gateway: GET /system/status gains ----

export interface SystemTotals {
  /** The order stream's entries-added. */
  accepted: number;
  /** Acknowledged by the group. */
  decided: number;
}

export interface WorkerProcess {
  name: string;
  heartbeatAgeMs: number;
  /** This process's cumulative count of decisions. */
  decided: number;
}

/** Optional here so that a gateway from before issue 12 still type-checks; the contract sends both. */
export interface SystemStatusAdditions {
  totals?: SystemTotals;
  workers?: WorkerProcess[];
}

// ---- gateway: POST /system/reset ----

export interface ResetResponse {
  deleted: number;
}

// ---- generator: GET /stats gains ----

export interface ErrorSample {
  at: string;
  /** At most 300 characters. */
  body: string;
}

export interface StatsAdditions {
  /** Keyed by HTTP status ("503") or "transport"; the last 3 of each, cleared at each start. */
  errorSamples?: Record<string, ErrorSample[]>;
  finishedAt?: string | null;
}

// ---- generator: scenarios ----

/** POST /start {"scenario": "autoscaling-demo"}. */
export interface StartScenarioRequest {
  scenario: string;
}

export const AUTOSCALING_DEMO = "autoscaling-demo";

/**
 * GET /scenarios. The contract names only "their stages and total duration"; these fields follow the
 * generator's ScenarioInfo as the scaling-demo helper is writing it (workload_generator/api_models.py).
 */
export interface ScenarioStage {
  rps: number;
  holdS?: number | null;
  rampS?: number | null;
  label?: string | null;
}

export interface StagesProfile {
  kind: "stages";
  startRps?: number;
  stages: ScenarioStage[];
}

/** Each stage's time window and rates, for a chart. */
export interface StageWindow {
  label: string | null;
  startS: number;
  endS: number;
  fromRps: number;
  toRps: number;
}

export interface Scenario {
  /** What POST /start {"scenario": ...} takes. */
  name: string;
  title: string;
  description: string;
  /** The run's length: every stage. */
  durationS: number;
  peakRps: number;
  profile: StagesProfile;
  timeline: StageWindow[];
}

export interface ScenariosResponse {
  scenarios: Scenario[];
}
