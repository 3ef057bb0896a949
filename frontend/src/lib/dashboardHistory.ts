/**
 * The dashboard's time series, derived from the two snapshots it polls each second:
 * the generator's stats and the gateway's system status. Pure functions, tested alone.
 */
import type { RoomStats, ScalingStatus, ScalingTarget, SystemStatus } from "../api/gateway";
import type { WorkloadStats } from "../api/generator";
import type { components } from "../api/schema/gateway";

/** Charges per outcome, as the gateway's totals count them (exact, one per order's charge). */
export type PaymentOutcome = keyof components["schemas"]["PaymentTotals"];

/** The outcomes in the order the dashboard draws them. */
export const PAYMENT_OUTCOMES: readonly PaymentOutcome[] = ["approved", "declined", "error", "timeout", "refunded"];

/** A worker that has not touched the stream for this long is taken to be gone (or stuck). */
export const ACTIVE_WORKER_IDLE_MS = 30_000;

/** Rates are taken over about this long: per-poll deltas jump about as decisions arrive in bursts. */
export const RATE_WINDOW_MS = 3_000;

/** Five minutes at one sample a second: long enough to watch a scale-out and the scale-in after. */
export const HISTORY_LIMIT = 300;

export interface DashboardSample {
  t: number; // epoch ms
  // from the gateway's system status
  lag: number | null;
  pending: number | null;
  activeWorkers: number | null;
  // the whole system, from the gateway's totals: every order, not the generator's followed sample
  intakePerS: number | null;
  decidedPerS: number | null;
  /** Charges per second by outcome, from the gateway's exact payment totals. */
  paymentsPerS: Record<PaymentOutcome, number | null>;
  /** Holds that expired per second (never paid in their window), from the gateway's totals. */
  expiredPerS: number | null;
  /** Running worker processes (the heartbeat registry). */
  workerProcesses: number | null;
  /** Each running worker's own decisions per second, by name. */
  workerDecidedPerS: Record<string, number | null>;
  // replicas as the autoscaler (or the HPA) reports them
  workerReplicas: number | null;
  workerDesired: number | null;
  gatewayReplicas: number | null;
  // from the generator's counters, as rates since the previous sample
  confirmedPerS: number | null;
  rejectedPerS: number | null;
  failedPerS: number | null;
  errorsPerS: number | null;
  droppedPerS: number | null;
  // from the generator's stats, as they were at that moment
  targetRps: number | null;
  achievedRps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  // the sale's waiting room (GET /sales/{saleId}/room), when this page may read it
  roomQueue: number | null;
  /** Admissions per second as the gateway measures them (over its last ~10 s). */
  roomAdmittedPerS: number | null;
}

export interface Snapshot {
  t: number;
  stats: WorkloadStats | null;
  system: SystemStatus | null;
  scaling?: ScalingStatus | null;
  room?: RoomStats | null;
}

export function activeWorkers(system: SystemStatus): SystemStatus["consumers"] {
  return system.consumers.filter((c) => c.idleMs < ACTIVE_WORKER_IDLE_MS);
}

/** Per-second rate of a counter between two snapshots; null across a restart (counter went down). */
function rate(now: number | undefined, before: number | undefined, seconds: number): number | null {
  if (now === undefined || before === undefined || seconds <= 0 || now < before) return null;
  return (now - before) / seconds;
}

/**
 * A worker publishes its count with its heartbeat, every WORKER_RECOVERY_INTERVAL_MS (5 s): its
 * rate is measured between two of its heartbeats (a poll's time less heartbeatAgeMs), over a window
 * long enough to hold two, never over the polls' interval (that would read 0, 0, 0, then 5× the rate).
 */
export const WORKER_RATE_WINDOW_MS = 12_000;

/** Each running worker's decisions per second; null for one without two heartbeats in the window. */
export function workerRates(current: Snapshot, base: Snapshot | null): Record<string, number | null> {
  const before = new Map((base?.system?.workers ?? []).map((w) => [w.name, { decided: w.decided, at: base!.t - w.heartbeatAgeMs }]));
  return Object.fromEntries(
    (current.system?.workers ?? []).map((w) => {
      const b = before.get(w.name);
      const seconds = b ? (current.t - w.heartbeatAgeMs - b.at) / 1000 : 0;
      return [w.name, b ? rate(w.decided, b.decided, seconds) : null];
    }),
  );
}

export function scalingTarget(scaling: ScalingStatus | null | undefined, name: ScalingTarget["name"]): ScalingTarget | null {
  return scaling?.targets.find((t) => t.name === name) ?? null;
}

/** `workerBase`: the snapshot to measure the workers' rates from (see WORKER_RATE_WINDOW_MS). */
export function toSample(current: Snapshot, previous: Snapshot | null, workerBase: Snapshot | null = previous): DashboardSample {
  const { stats, system } = current;
  const prevStats = previous?.stats ?? null;
  const prevSystem = previous?.system ?? null;
  const seconds = previous ? (current.t - previous.t) / 1000 : 0;
  const perS = (pick: (s: WorkloadStats) => number | undefined) =>
    stats && prevStats ? rate(pick(stats), pick(prevStats), seconds) : null;
  const systemPerS = (pick: (s: SystemStatus) => number | undefined) =>
    system && prevSystem ? rate(pick(system), pick(prevSystem), seconds) : null;
  const worker = scalingTarget(current.scaling, "order-worker");
  const gateway = scalingTarget(current.scaling, "api-gateway");

  return {
    t: current.t,
    lag: system?.stream.lag ?? null,
    pending: system?.stream.pending ?? null,
    activeWorkers: system ? activeWorkers(system).length : null,
    intakePerS: systemPerS((s) => s.totals.accepted),
    decidedPerS: systemPerS((s) => s.totals.decided),
    paymentsPerS: Object.fromEntries(PAYMENT_OUTCOMES.map((o) => [o, systemPerS((s) => s.totals.payments[o])])) as Record<
      PaymentOutcome,
      number | null
    >,
    expiredPerS: systemPerS((s) => s.totals.byStatus.expired),
    workerProcesses: system ? system.workers.length : null,
    workerDecidedPerS: workerRates(current, workerBase),
    workerReplicas: worker?.current ?? null,
    workerDesired: worker?.desired ?? null,
    gatewayReplicas: gateway?.current ?? null,
    confirmedPerS: perS((s) => s.decisions?.confirmed),
    rejectedPerS: perS((s) => s.decisions?.rejected),
    failedPerS: perS((s) => s.decisions?.failed),
    errorsPerS: perS((s) => s.requests?.failed),
    droppedPerS: perS((s) => s.requests?.dropped),
    targetRps: stats ? (stats.running ? stats.targetRps : 0) : null,
    achievedRps: stats ? (stats.running ? stats.achievedRps?.last10s ?? null : 0) : null,
    p50Ms: stats?.latencyMs?.p50 ?? null,
    p99Ms: stats?.latencyMs?.p99 ?? null,
    roomQueue: current.room?.queueLength ?? null,
    roomAdmittedPerS: current.room ? current.room.admissionRatePerSecond : null,
  };
}

/**
 * The snapshot to measure rates from: the oldest of `recent` that is at most about
 * RATE_WINDOW_MS older than `now` (half a poll of slack), else the newest one.
 */
export function rateBase(recent: Snapshot[], now: number, windowMs = RATE_WINDOW_MS): Snapshot | null {
  const inWindow = recent.filter((s) => now - s.t <= windowMs + 500);
  return inWindow[0] ?? recent[recent.length - 1] ?? null;
}

export function appendSample(history: DashboardSample[], sample: DashboardSample): DashboardSample[] {
  const next = [...history, sample];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

export interface ThroughputPoint {
  t: number; // epoch ms
  targetRps: number | null;
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Epoch ms from a timestamp that may be ISO text, epoch seconds or epoch ms. */
export function toEpochMs(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value > 1e12 ? value : value > 1e9 ? value * 1000 : null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? toEpochMs(Number(value)) : parsed;
}

/**
 * The generator's own per-second series on a wall-clock axis. Its `t` may be epoch seconds,
 * epoch ms, or seconds since the run started; the last is anchored on `startedAt`, or else on
 * "the last point is now".
 */
export function throughputFromSeries(stats: WorkloadStats, now: number): ThroughputPoint[] {
  const series = Array.isArray(stats.series) ? stats.series : [];
  if (series.length === 0) return [];
  const lastT = series[series.length - 1].t;
  const absolute = toEpochMs(lastT) !== null;
  const startedAt = toEpochMs(stats.startedAt);
  const base = startedAt ?? now - lastT * 1000;
  return series.slice(-HISTORY_LIMIT).map((p) => ({
    t: absolute ? (toEpochMs(p.t) as number) : base + p.t * 1000,
    targetRps: p.targetRps ?? null,
    rps: p.rps ?? null,
    p50Ms: p.p50Ms ?? null,
    p99Ms: p.p99Ms ?? null,
  }));
}

/** The generator's series when it has one (it survives a page reload), else what this page saw. */
export function throughputPoints(stats: WorkloadStats | null, history: DashboardSample[], now: number): ThroughputPoint[] {
  const fromSeries = stats ? throughputFromSeries(stats, now) : [];
  if (fromSeries.length > 0) return fromSeries;
  return history.map(({ t, targetRps, achievedRps, p50Ms, p99Ms }) => ({ t, targetRps, rps: achievedRps, p50Ms, p99Ms }));
}
