import { describe, expect, it } from "vitest";
import type { Order, OrderStatus } from "../api/gateway";
import { awaitsCustomerPayment, isReleased, isTerminal, lifecycleSteps, TERMINAL_STATUSES } from "./orderLifecycle";

type Shape = Pick<Order, "status" | "holdExpiresAt" | "payment">;
const HOLD = "2026-07-01T10:15:00.000Z";

/** Each step as "label:state", so a whole display reads as one line. */
const show = (order: Shape) => lifecycleSteps(order).map((s) => `${s.label}:${s.state}`);

describe("order lifecycle", () => {
  it("has exactly the contract's terminal statuses", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(
      ["cancelled", "confirmed", "expired", "failed", "payment_failed", "rejected"].sort(),
    );
    for (const status of ["pending", "reserved", "paying"] satisfies OrderStatus[]) expect(isTerminal(status)).toBe(false);
  });

  it("walks pending → reserved → paying → confirmed", () => {
    expect(show({ status: "pending" })).toEqual([
      "Received:done",
      "Checking availability:current",
      "Payment:upcoming",
      "Confirmed:upcoming",
    ]);
    expect(show({ status: "reserved", holdExpiresAt: HOLD })).toEqual([
      "Received:done",
      "Tickets held:done",
      "Waiting for payment:current",
      "Confirmed:upcoming",
    ]);
    expect(show({ status: "paying", holdExpiresAt: HOLD })).toEqual([
      "Received:done",
      "Tickets held:done",
      "Paying:current",
      "Confirmed:upcoming",
    ]);
    expect(show({ status: "confirmed", payment: { status: "approved", attempts: 1, chargeId: "ch_1" } })).toEqual([
      "Received:done",
      "Tickets held:done",
      "Paid:done",
      "Confirmed:done",
    ]);
  });

  it("ends a declined or errored payment in payment_failed with the tickets released", () => {
    const declined = show({ status: "payment_failed", payment: { status: "declined", attempts: 1, chargeId: "ch_2" } });
    expect(declined.slice(2)).toEqual(["Payment declined:bad", "Tickets released:done"]);
    const errored = show({ status: "payment_failed", payment: { status: "error", attempts: 3, chargeId: null } });
    expect(errored.slice(2)).toEqual(["Payment failed:bad", "Tickets released:done"]);
    expect(isReleased("payment_failed")).toBe(true);
  });

  it("shows an expired or cancelled hold as released, never paid", () => {
    expect(show({ status: "expired", holdExpiresAt: HOLD }).slice(1)).toEqual([
      "Tickets held:done",
      "Not paid in time:bad",
      "Tickets released:done",
    ]);
    expect(show({ status: "cancelled", holdExpiresAt: HOLD }).slice(2)).toEqual(["Cancelled:bad", "Tickets released:done"]);
  });

  it("shows a rejection as stopping at availability, with payment never reached", () => {
    expect(show({ status: "rejected" })).toEqual([
      "Received:done",
      "Not available:bad",
      "Payment:skipped",
      "Rejected:bad",
    ]);
  });

  it("places a failed order by how far it got: held or not", () => {
    expect(show({ status: "failed" }).slice(1)).toEqual(["Checking availability:bad", "Payment:skipped", "Failed:bad"]);
    expect(show({ status: "failed", holdExpiresAt: HOLD }).slice(1)).toEqual(["Tickets held:done", "Payment:bad", "Failed:bad"]);
  });

  it("marks exactly one step as current while the order is open, none once it is terminal", () => {
    const all: OrderStatus[] = ["pending", "reserved", "paying", ...TERMINAL_STATUSES];
    for (const status of all) {
      const current = lifecycleSteps({ status, holdExpiresAt: HOLD }).filter((s) => s.state === "current");
      expect(current, status).toHaveLength(isTerminal(status) ? 0 : 1);
    }
  });

  it("offers the customer a payment only for a held pay-later order", () => {
    expect(awaitsCustomerPayment({ status: "reserved", payLater: true })).toBe(true);
    expect(awaitsCustomerPayment({ status: "reserved" })).toBe(true); // a record without the flag
    expect(awaitsCustomerPayment({ status: "reserved", payLater: false })).toBe(false); // the worker pays it
    expect(awaitsCustomerPayment({ status: "paying", payLater: true })).toBe(false);
    expect(awaitsCustomerPayment({ status: "pending", payLater: true })).toBe(false);
  });
});
