import { describe, expect, it } from "vitest";
import { nextDelay, ORDER_BACKOFF } from "./useOrderFollower";

describe("order polling backoff", () => {
  it("starts fast and grows by the factor up to the ceiling", () => {
    const delays: number[] = [];
    let delay: number | null = null;
    for (let i = 0; i < 9; i++) delays.push((delay = nextDelay(delay, ORDER_BACKOFF)));
    expect(delays).toEqual([500, 750, 1125, 1688, 2532, 3798, 5000, 5000, 5000]);
  });
});
