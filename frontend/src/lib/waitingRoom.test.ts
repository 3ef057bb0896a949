import { describe, expect, it } from "vitest";
import { visitorStatus } from "../test/fixtures";
import { formatWait, mergeQueueEvent, opensLater, progressPercent, queuePollDelay } from "./waitingRoom";

describe("waiting room figures", () => {
  it("fills the bar by the share of the most people seen ahead who are now behind", () => {
    expect(progressPercent(10, 10)).toBe(0);
    expect(progressPercent(10, 4)).toBe(60);
    expect(progressPercent(10, 0)).toBe(100);
    expect(progressPercent(0, 0)).toBe(100);
    expect(progressPercent(10, null)).toBe(0);
  });

  it("says the wait in words, and nothing when it cannot be told", () => {
    expect(formatWait(3)).toBe("a few seconds");
    expect(formatWait(42)).toBe("about 40 seconds");
    expect(formatWait(170)).toBe("about 3 minutes");
    expect(formatWait(65 * 60)).toBe("about 1 h 5 min");
    expect(formatWait(null)).toBeNull();
  });

  it("polls at the gateway's advice, within bounds, and 2 s without one", () => {
    expect(queuePollDelay(visitorStatus({ pollAfterMs: 4000 }))).toBe(4000);
    expect(queuePollDelay(visitorStatus({ pollAfterMs: 60_000 }))).toBe(15_000);
    expect(queuePollDelay(undefined)).toBe(2000);
  });

  it("merges a queue event over the known status, keeping the visitor and what the event leaves out", () => {
    const merged = mergeQueueEvent(visitorStatus(), { status: "waiting", position: 2, ahead: 1 });
    expect(merged).toMatchObject({ visitorId: visitorStatus().visitorId, position: 2, ahead: 1, pollAfterMs: 1000 });
  });

  it("tells an opening time still ahead", () => {
    expect(opensLater("2030-01-01T00:00:00Z", Date.parse("2029-12-31T23:59:00Z"))).toBe(true);
    expect(opensLater("2030-01-01T00:00:00Z", Date.parse("2030-01-01T00:00:01Z"))).toBe(false);
    expect(opensLater(null, 0)).toBe(false);
  });
});
