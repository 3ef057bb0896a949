import { describe, expect, it } from "vitest";
import { liveSystemStatus, scalingStatus } from "../test/dashboardFixtures";
import { lifecycleTotals, systemStatus, workloadStats } from "../test/fixtures";
import {
  activeWorkers,
  appendSample,
  HISTORY_LIMIT,
  PAYMENT_OUTCOMES,
  rateBase,
  throughputFromSeries,
  throughputPoints,
  toEpochMs,
  toSample,
  workerRates,
} from "./dashboardHistory";

describe("dashboard history", () => {
  it("counts as active only the workers that read the stream in the last 30 s", () => {
    expect(activeWorkers(systemStatus()).map((c) => c.name)).toEqual(["worker-a", "worker-b"]);
  });

  it("turns the generator's counters into per-second rates between two snapshots", () => {
    const before = { t: 0, stats: workloadStats(), system: systemStatus() };
    const later = workloadStats({
      decisions: { ...workloadStats().decisions, confirmed: 10, rejected: 2 },
      requests: { ...workloadStats().requests, failed: 8 },
    });
    const sample = toSample({ t: 2000, stats: later, system: systemStatus() }, before);
    expect(sample.confirmedPerS).toBe(3); // (10 - 4) / 2 s
    expect(sample.rejectedPerS).toBe(0.5);
    expect(sample.errorsPerS).toBe(3);
    expect(sample.lag).toBe(7);
    expect(sample.pending).toBe(3);
    expect(sample.activeWorkers).toBe(2);
  });

  it("gives no rate across a new run, whose counters start again from zero", () => {
    const before = { t: 0, stats: workloadStats(), system: null };
    const restarted = workloadStats({ decisions: { ...workloadStats().decisions, confirmed: 0 } });
    expect(toSample({ t: 1000, stats: restarted, system: null }, before).confirmedPerS).toBeNull();
  });

  it("measures rates over a few seconds, from the oldest snapshot inside the window", () => {
    const snaps = [0, 1000, 2000, 3000].map((t) => ({ t, stats: null, system: null }));
    expect(rateBase(snaps, 3400)?.t).toBe(0);
    expect(rateBase(snaps, 4000)?.t).toBe(1000);
    expect(rateBase([], 4000)).toBeNull();
  });

  it("keeps a bounded history", () => {
    let history = [] as ReturnType<typeof toSample>[];
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) history = appendSample(history, toSample({ t: i, stats: null, system: null }, null));
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0].t).toBe(5);
  });

  it("reads timestamps given as ISO text, epoch seconds or epoch ms", () => {
    expect(toEpochMs("2026-07-01T10:00:00.000Z")).toBe(Date.UTC(2026, 6, 1, 10));
    expect(toEpochMs(1_782_900_000)).toBe(1_782_900_000_000);
    expect(toEpochMs(1_782_900_000_123)).toBe(1_782_900_000_123);
    expect(toEpochMs(12)).toBeNull();
  });

  it("puts the generator's series on the wall clock, whether t is epoch seconds or seconds since start", () => {
    const epoch = throughputFromSeries(workloadStats(), 0);
    expect(epoch.map((p) => p.t)).toEqual([1_782_900_000_000, 1_782_900_001_000, 1_782_900_002_000]);
    expect(epoch[2]).toMatchObject({ rps: 20, targetRps: 20, p50Ms: 13, p99Ms: 82 });

    const relative = workloadStats({
      startedAt: "2026-07-01T10:00:00.000Z",
      series: workloadStats().series.map((p, i) => ({ ...p, t: i })),
    });
    expect(throughputFromSeries(relative, 0).map((p) => p.t)).toEqual(
      [0, 1000, 2000].map((d) => Date.UTC(2026, 6, 1, 10) + d),
    );
  });

  it("falls back to the page's own history when the generator has no series", () => {
    const sample = toSample({ t: 5000, stats: workloadStats({ series: [] }), system: null }, null);
    const points = throughputPoints(workloadStats({ series: [] }), [sample], 5000);
    expect(points).toEqual([{ t: 5000, targetRps: 20, rps: 19.5, p50Ms: 12, p99Ms: 84 }]);
  });

  it("takes intake and decisions per second from the gateway's totals: every order, not the sample", () => {
    const before = { t: 0, stats: null, system: liveSystemStatus() };
    const later = liveSystemStatus({ totals: { ...liveSystemStatus().totals, accepted: 3300, decided: 3190 } });
    const sample = toSample({ t: 2000, stats: null, system: later }, before);
    expect(sample.intakePerS).toBe(150); // (3300 - 3000) / 2 s
    expect(sample.decidedPerS).toBe(100);
  });

  it("gives no system rate across a demo reset (the totals start again), and 0/s for unchanged totals", () => {
    const before = { t: 0, stats: null, system: liveSystemStatus() };
    const reset = liveSystemStatus({ totals: { ...liveSystemStatus().totals, accepted: 10, decided: 5 } });
    expect(toSample({ t: 1000, stats: null, system: reset }, before).intakePerS).toBeNull();
    const still = { t: 0, stats: null, system: systemStatus() };
    expect(toSample({ t: 1000, stats: null, system: systemStatus() }, still)).toMatchObject({ intakePerS: 0, decidedPerS: 0, workerProcesses: 2 });
  });

  it("takes payments per second by outcome and expired holds per second from the gateway's exact totals", () => {
    const base = liveSystemStatus().totals;
    const before = { t: 0, stats: null, system: liveSystemStatus() };
    const later = liveSystemStatus({
      totals: {
        ...base,
        byStatus: { ...base.byStatus, expired: base.byStatus.expired + 6 },
        payments: { ...base.payments, approved: base.payments.approved + 40, declined: base.payments.declined + 4, timeout: base.payments.timeout + 1 },
      },
    });
    const sample = toSample({ t: 2000, stats: null, system: later }, before);
    expect(sample.paymentsPerS).toEqual({ approved: 20, declined: 2, error: 0, timeout: 0.5, refunded: 0 });
    expect(sample.expiredPerS).toBe(3);
    // every outcome the schema has, charted
    expect([...PAYMENT_OUTCOMES].sort()).toEqual(Object.keys(lifecycleTotals().payments).sort());
  });

  it("gives no payment or expiry rate across a demo reset (the totals start again from zero)", () => {
    const before = { t: 0, stats: null, system: liveSystemStatus() };
    const reset = liveSystemStatus({ totals: { ...liveSystemStatus().totals, ...lifecycleTotals({ expired: 1 }, { approved: 3 }) } });
    const sample = toSample({ t: 1000, stats: null, system: reset }, before);
    expect(sample.expiredPerS).toBeNull();
    expect(sample.paymentsPerS.approved).toBeNull();
    expect(sample.paymentsPerS.declined).toBeNull();
    expect(toSample({ t: 1000, stats: null, system: reset }, null)).toMatchObject({ expiredPerS: null, paymentsPerS: { approved: null } });
  });

  it("gives each running worker its own decisions per second between its heartbeats; a newcomer has none yet", () => {
    const workers = (list: { name: string; heartbeatAgeMs: number; decided: number }[]) => ({
      stats: null,
      system: liveSystemStatus({ workers: list }),
    });
    const before = { t: 0, ...workers([{ name: "worker-a", heartbeatAgeMs: 0, decided: 1500 }, { name: "worker-b", heartbeatAgeMs: 0, decided: 1500 }]) };
    // worker-a beat just now: 30 decisions over the 6 s. worker-b last beat 3 s ago: its 10
    // decisions came over 3 s, not over the 6 s between the polls.
    const now = {
      t: 6000,
      ...workers([
        { name: "worker-a", heartbeatAgeMs: 0, decided: 1530 },
        { name: "worker-b", heartbeatAgeMs: 3000, decided: 1510 },
        { name: "worker-c", heartbeatAgeMs: 300, decided: 7 },
      ]),
    };
    expect(workerRates(now, before)).toEqual({ "worker-a": 5, "worker-b": 10 / 3, "worker-c": null });
    expect(toSample(now, before).workerProcesses).toBe(3);
  });

  it("gives no worker rate from two polls that saw the same heartbeat", () => {
    const system = liveSystemStatus();
    const w = system.workers![0];
    const later = { t: 1000, stats: null, system: { ...system, workers: [{ ...w, heartbeatAgeMs: w.heartbeatAgeMs + 1000 }] } };
    expect(workerRates(later, { t: 0, stats: null, system })[w.name]).toBeNull();
  });

  it("charts the replicas from the scaling targets' current, not from the consumers", () => {
    const sample = toSample({ t: 0, stats: null, system: systemStatus(), scaling: scalingStatus() }, null);
    expect(sample).toMatchObject({ workerReplicas: 4, workerDesired: 6, gatewayReplicas: 2, activeWorkers: 2 });
    expect(toSample({ t: 0, stats: null, system: null, scaling: null }, null).workerReplicas).toBeNull();
  });
});
