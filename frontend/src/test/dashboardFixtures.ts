/**
 * The issue-12 bodies (scaling view, totals, worker processes, error samples, scenarios), typed by
 * the generated API types (src/api/schema/, through ../api/gateway and ../api/generator).
 */
import type { ScalingEvent, ScalingStatus, ScalingTarget, SystemStatus } from "../api/gateway";
import type { Scenario, WorkloadStats } from "../api/generator";
import { lifecycleTotals, systemStatus, workloadStats } from "./fixtures";

export function scalingTarget(overrides: Partial<ScalingTarget> = {}): ScalingTarget {
  const target = {
    name: "order-worker",
    current: 4,
    desired: 6,
    min: 1,
    max: 8,
    metric: "lag",
    metricValue: 412,
    target: 50,
    overlay: "keda",
    timeScale: 0.1,
    stale: false,
    updatedAt: "2026-07-01T10:02:16.000Z",
  } satisfies ScalingTarget;
  return { ...target, ...overrides };
}

export function gatewayTarget(overrides: Partial<ScalingTarget> = {}): ScalingTarget {
  return scalingTarget({ name: "api-gateway", current: 2, desired: 2, min: 2, max: 6, metric: "cpu", metricValue: 35, target: 70, ...overrides });
}

/** A scale-out at a given local wall-clock time (so that "12:02:15" reads the same in every time zone). */
export function scalingEvent(overrides: Partial<ScalingEvent> = {}): ScalingEvent {
  const event = {
    time: new Date(2026, 6, 1, 12, 2, 15).toISOString(),
    target: "order-worker",
    from: 2,
    to: 4,
    reason: "lag 412 > 50 per worker",
  } satisfies ScalingEvent;
  return { ...event, ...overrides };
}

export function scalingStatus(overrides: Partial<ScalingStatus> = {}): ScalingStatus {
  const status = {
    source: "local-autoscaler",
    message: null,
    targets: [scalingTarget(), gatewayTarget()],
    events: [scalingEvent()],
  } satisfies ScalingStatus;
  return { ...status, ...overrides };
}

/** /system/status with the issue-12 totals and running worker processes. */
export function liveSystemStatus(overrides: Partial<SystemStatus> = {}): SystemStatus {
  return systemStatus({
    totals: {
      accepted: 3000,
      decided: 2990,
      ...lifecycleTotals({ confirmed: 2700, expired: 80 }, { approved: 2700, declined: 150, error: 40, timeout: 10, refunded: 2 }),
    },
    stock: [
      { ticketId: "ga-adult", type: "adult", initial: 1000, available: 850, held: 20, sold: 130, drift: 0 },
      { ticketId: "vip-lounge", type: "vip", initial: 50, available: 0, held: 0, sold: 50, drift: 0 },
    ],
    workers: [
      { name: "worker-a", heartbeatAgeMs: 400, decided: 1500 },
      { name: "worker-b", heartbeatAgeMs: 1200, decided: 1490 },
    ],
    ...overrides,
  });
}

export function statsWithErrors(overrides: Partial<WorkloadStats> = {}): WorkloadStats {
  return workloadStats({
    errorSamples: {
      "503": [
        { at: "2026-07-01T10:00:01.000Z", body: '{"error": "backlog full, retry later"}' },
        { at: "2026-07-01T10:00:02.000Z", body: '{"error": "backlog full (newest)"}' },
      ],
      transport: [{ at: "2026-07-01T10:00:03.000Z", body: "ConnectError: connection refused" }],
    },
    finishedAt: null,
    ...overrides,
  });
}

/** As the generator's GET /scenarios describes its autoscaling demo (a shortened copy). */
export function autoscalingScenario(overrides: Partial<Scenario> = {}): Scenario {
  const scenario = {
    name: "autoscaling-demo",
    title: "Autoscaling demo",
    description: "Ramp up, hold, spike, ramp down: the pool grows and shrinks.",
    durationS: 270,
    peakRps: 300,
    profile: {
      kind: "stages",
      startRps: 10,
      stages: [
        { label: "ramp up", rps: 150, rampS: 30 },
        { label: "hold", rps: 150, holdS: 60 },
        { label: "spike", rps: 300, holdS: 30 },
        { label: "idle", rps: 20, holdS: 150 },
      ],
    },
    timeline: [
      { label: "ramp up", startS: 0, endS: 30, fromRps: 10, toRps: 150 },
      { label: "hold", startS: 30, endS: 90, fromRps: 150, toRps: 150 },
      { label: "spike", startS: 90, endS: 120, fromRps: 300, toRps: 300 },
      { label: "idle", startS: 120, endS: 270, fromRps: 20, toRps: 20 },
    ],
  } satisfies Scenario;
  return { ...scenario, ...overrides };
}
