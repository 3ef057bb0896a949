import { describe, expect, it } from "vitest";
import { describeCountdown, formatCountdown, holdRemainingMs } from "./holdCountdown";

const DEADLINE = "2026-07-01T10:15:00.000Z";
const at = (iso: string) => Date.parse(iso);

describe("hold countdown", () => {
  it("counts the time left to holdExpiresAt, never below zero", () => {
    expect(holdRemainingMs(DEADLINE, at("2026-07-01T10:00:00.000Z"))).toBe(15 * 60_000);
    expect(holdRemainingMs(DEADLINE, at("2026-07-01T10:14:59.250Z"))).toBe(750);
    expect(holdRemainingMs(DEADLINE, at("2026-07-01T10:20:00.000Z"))).toBe(0);
  });

  it("has nothing to count without a readable deadline", () => {
    expect(holdRemainingMs(undefined, 0)).toBeNull();
    expect(holdRemainingMs(null, 0)).toBeNull();
    expect(holdRemainingMs("soon", 0)).toBeNull();
  });

  it("reads the deadline's own offset, so a non-UTC time counts the same", () => {
    expect(holdRemainingMs("2026-07-01T12:15:00+02:00", at("2026-07-01T10:00:00Z"))).toBe(15 * 60_000);
  });

  it("shows minutes and seconds, rounded up so 0:00 means the time is really up", () => {
    expect(formatCountdown(15 * 60_000)).toBe("15:00");
    expect(formatCountdown(61_000)).toBe("1:01");
    expect(formatCountdown(59_001)).toBe("1:00");
    expect(formatCountdown(750)).toBe("0:01");
    expect(formatCountdown(0)).toBe("0:00");
    expect(formatCountdown(-5)).toBe("0:00");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
  });

  it("says it in words for screen readers", () => {
    expect(describeCountdown(14 * 60_000 + 5_000)).toBe("14 minutes 5 seconds");
    expect(describeCountdown(60_000)).toBe("1 minute");
    expect(describeCountdown(1_000)).toBe("1 second");
    expect(describeCountdown(0)).toBe("0 seconds");
  });
});
