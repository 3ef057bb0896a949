import { describe, expect, it } from "vitest";
import { workloadStats } from "../../test/fixtures";
import { autoscalingScenario, gatewayTarget, scalingEvent, scalingTarget, statsWithErrors } from "../../test/dashboardFixtures";
import {
  describeStages,
  errorSampleGroups,
  errorStatusLabel,
  eventsWithin,
  formatDuration,
  formatEventTime,
  formatScalingEvent,
  lead,
  metricAboveTarget,
  metricText,
  newestFirst,
  runCaption,
  sourceCaption,
  timeScaleText,
} from "./scalingFormat";

describe("scaling words", () => {
  it("writes an event as time, target, replicas and reason", () => {
    expect(formatScalingEvent(scalingEvent())).toBe("12:02:15 order-worker 2 → 4: lag 412 > 50 per worker");
    expect(formatEventTime(new Date(2026, 6, 1, 0, 5, 9).getTime())).toBe("00:05:09");
    expect(formatEventTime("not a time")).toBe("not a time");
  });

  it("lists the events newest first, whatever order they came in", () => {
    const older = scalingEvent({ time: "2026-07-01T10:00:00.000Z", to: 3 });
    const newer = scalingEvent({ time: "2026-07-01T10:05:00.000Z", to: 5 });
    expect(newestFirst([older, newer]).map((e) => e.to)).toEqual([5, 3]);
  });

  it("names the source of the replicas, and says why when there is none", () => {
    expect(sourceCaption("local-autoscaler", null)).toBe("Replicas from the local autoscaler (make up)");
    expect(sourceCaption("kubernetes", null)).toBe("Replicas from the Kubernetes HPA");
    expect(sourceCaption("none", "no autoscaler has published state and the gateway is not in a cluster")).toBe(
      "no autoscaler: no autoscaler has published state and the gateway is not in a cluster",
    );
    expect(sourceCaption("none", null)).toBe("no autoscaler: the gateway gave no reason");
  });

  it("says when the windows are shortened (or lengthened), and nothing at the manifests' own", () => {
    expect(timeScaleText(0.1)).toBe("windows shortened ×10");
    expect(timeScaleText(0.25)).toBe("windows shortened ×4");
    expect(timeScaleText(2)).toBe("windows lengthened ×2");
    expect(timeScaleText(1)).toBeNull();
    expect(timeScaleText(null)).toBeNull();
  });

  it("puts lag per worker against its per-worker target, and CPU against its %", () => {
    expect(metricText(scalingTarget())).toBe("lag 412 = 103 per worker (target 50 per worker)");
    expect(metricAboveTarget(scalingTarget())).toBe(true);
    expect(metricAboveTarget(scalingTarget({ metricValue: 100 }))).toBe(false); // 25 per worker
    expect(metricText(scalingTarget({ current: 0, metricValue: 30 }))).toBe("lag 30 = 30 per worker (target 50 per worker)");
    expect(metricText(scalingTarget({ metricValue: null }))).toBe("lag: no reading yet (target 50 per worker)");
    expect(metricText(gatewayTarget())).toBe("CPU 35 % of request (target 70 %)");
    expect(metricAboveTarget(gatewayTarget({ metricValue: 85 }))).toBe(true);
  });

  it("captions only a running run as now; a finished one with its end time", () => {
    expect(runCaption(workloadStats())).toEqual({ live: true, text: "Now: the run started 3 s ago" });
    const finished = workloadStats({ running: false, finishedAt: new Date(2026, 6, 1, 12, 3, 4).toISOString() });
    expect(runCaption(finished)).toEqual({ live: false, text: "Last run, finished at 12:03:04" });
    expect(runCaption(workloadStats({ running: false, finishedAt: null }))).toEqual({ live: false, text: "Last run (stopped)" });
    expect(runCaption(workloadStats({ running: false, startedAt: null }))).toEqual({ live: false, text: "No run yet" });
    expect(runCaption(null).live).toBe(false);
    expect(lead(runCaption(workloadStats()))).toBe("Now");
    expect(lead(runCaption(finished))).toBe("Last run, finished at 12:03:04:");
  });

  it("groups error samples per status, newest first, transport errors last", () => {
    const groups = errorSampleGroups(statsWithErrors().errorSamples);
    expect(groups.map((g) => g.label)).toEqual(["HTTP 503", "No answer (transport errors)"]);
    expect(groups[0].samples.map((s) => s.body)).toEqual(['{"error": "backlog full (newest)"}', '{"error": "backlog full, retry later"}']);
    expect(errorSampleGroups({ "500": [] })).toEqual([]);
    expect(errorSampleGroups({})).toEqual([]);
    expect(errorStatusLabel("422")).toBe("HTTP 422");
  });

  it("writes durations and stages", () => {
    expect(formatDuration(270)).toBe("4 min 30 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(undefined)).toBe("–");
    expect(describeStages(autoscalingScenario().timeline)).toBe(
      "ramp up 30 s (10 → 150 rps) · hold 1 min (150 rps) · spike 30 s (300 rps) · idle 2 min 30 s (20 rps)",
    );
    expect(describeStages([{ label: null, startS: 0, endS: 5, fromRps: 1, toRps: 1 }])).toBe("stage 5 s (1 rps)");
  });

  it("marks on a chart only the events inside its time range, and none on a one-point chart", () => {
    const at = (iso: string) => scalingEvent({ time: iso });
    const points = [{ t: Date.UTC(2026, 6, 1, 10, 0) }, { t: Date.UTC(2026, 6, 1, 10, 5) }];
    const inside = at("2026-07-01T10:02:00.000Z");
    const found = eventsWithin([at("2026-07-01T09:59:00.000Z"), inside, at("2026-07-01T10:06:00.000Z")], points);
    expect(found).toEqual([{ event: inside, x: Date.UTC(2026, 6, 1, 10, 2) }]);
    expect(eventsWithin([inside], points.slice(0, 1))).toEqual([]);
    expect(eventsWithin(undefined, points)).toEqual([]);
  });
});
