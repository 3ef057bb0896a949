/**
 * HAND-WRITTEN: the workload generator's bodies, because its OpenAPI document does not type them
 * yet (its routes return plain dicts, so ./schema/generator.ts says `unknown`). ./generator.ts uses
 * each of these only while the generated type is `unknown` (see Prefer in ./openapi.ts): once the
 * generator's routes declare their models and `make types` runs, the generated types take over and
 * this file can go. Mirrors workload_generator/config.py, profiles.py, stats.py and controller.py.
 */
import type { PaymentMethod } from "./gateway";

type Percentile = number | null; // null until there is a sample

export type LoadProfile =
  | { kind: "constant" }
  | { kind: "ramp"; fromRps: number; toRps: number; overS: number }
  | { kind: "step"; steps: { rps: number; forS: number }[]; repeat?: boolean }
  | { kind: "spike"; baseRps: number; spikeRps: number; everyS: number; forS: number };

export interface Mix {
  maxTicketsPerOrder: number;
  tickets: { ticketId: string; weight: number }[] | null; // null: every ticket with stock
  quantities: { qty: number; weight: number }[];
  paymentMethods: { method: PaymentMethod; weight: number }[];
  multiItemShare: number;
  maxItems: number;
}

export interface WorkloadConfig {
  targetApi: string;
  rps: number;
  durationS: number | null;
  profile: LoadProfile;
  mix: Mix;
  timeoutS: number;
  maxInFlight: number;
  followShare: number;
}

/** PUT /config and POST /start take a partial config, merged into the current one. */
export type WorkloadConfigPatch = Partial<Omit<WorkloadConfig, "mix">> & { mix?: Partial<Mix> };

export interface WorkloadStats {
  running: boolean;
  startedAt: string | null;
  elapsedS: number;
  config: WorkloadConfig;
  targetRps: number;
  achievedRps: { last10s: number; overall: number };
  requests: {
    sent: number;
    succeeded: number;
    failed: number;
    dropped: number;
    inFlight: number;
    byStatus: Record<string, number>;
    byError: { timeout: number; connection: number; other: number; cancelled: number };
    droppedByReason: { inFlightCap: number; behindSchedule: number };
  };
  latencyMs: { p50: Percentile; p90: Percentile; p99: Percentile; p999: Percentile; max: Percentile; mean: Percentile; count: number };
  decisions: {
    followed: number;
    confirmed: number;
    rejected: number;
    failed: number;
    pending: number;
    unresolved: number;
    skipped: number;
    timeToDecisionMs: { p50: Percentile; p90: Percentile; p99: Percentile; max: Percentile };
  };
  series: {
    t: number; // epoch seconds
    targetRps: number;
    rps: number;
    p50Ms: Percentile;
    p99Ms: Percentile;
    errors: number;
    dropped: number;
    backpressure: number;
  }[];
}
