import { describe, expect, it } from "vitest";
import type { OrderStatus } from "../api/gateway";
import { order } from "../test/fixtures";
import { isDecided, nextDelay, ORDER_BACKOFF } from "./useOrderFollower";

describe("order polling backoff", () => {
  it("starts fast and grows by the factor up to the ceiling", () => {
    const delays: number[] = [];
    let delay: number | null = null;
    for (let i = 0; i < 9; i++) delays.push((delay = nextDelay(delay, ORDER_BACKOFF)));
    expect(delays).toEqual([500, 750, 1125, 1688, 2532, 3798, 5000, 5000, 5000]);
  });
});

describe("when following stops", () => {
  it("keeps following pending, held and paying orders, and stops at every terminal status", () => {
    const following: OrderStatus[] = ["pending", "reserved", "paying"];
    const terminal: OrderStatus[] = ["confirmed", "rejected", "payment_failed", "expired", "cancelled", "failed"];
    for (const status of following) expect(isDecided(order({ status })), status).toBe(false);
    for (const status of terminal) expect(isDecided(order({ status })), status).toBe(true);
  });
});
