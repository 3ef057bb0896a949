/**
 * The order lifecycle as the customer sees it (issue 13):
 *
 *   pending → reserved (tickets held until holdExpiresAt) → paying → confirmed
 *                       ↘ payment_failed | expired | cancelled   (tickets released)
 *   pending → rejected;  any non-terminal → failed
 */
import type { Order, OrderStatus } from "../api/gateway";

/** The statuses no order ever leaves: following an order stops at the first one. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  "confirmed",
  "rejected",
  "payment_failed",
  "expired",
  "cancelled",
  "failed",
]);

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Ended with the held tickets given back: the order got a hold but was never paid. */
const RELEASED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(["payment_failed", "expired", "cancelled"]);

export function isReleased(status: OrderStatus): boolean {
  return RELEASED.has(status);
}

export type StepState = "done" | "current" | "upcoming" | "bad" | "skipped";

export interface Step {
  key: "received" | "reserve" | "pay" | "outcome";
  label: string;
  state: StepState;
}

/** A failed order got as far as a hold if it has a hold deadline or a payment; otherwise it failed before. */
function wasReserved(order: Pick<Order, "holdExpiresAt" | "payment">): boolean {
  return Boolean(order.holdExpiresAt || order.payment);
}

function reserveStep(order: Pick<Order, "status" | "holdExpiresAt" | "payment">): Step {
  switch (order.status) {
    case "pending":
      return { key: "reserve", label: "Checking availability", state: "current" };
    case "rejected":
      return { key: "reserve", label: "Not available", state: "bad" };
    case "failed":
      return wasReserved(order)
        ? { key: "reserve", label: "Tickets held", state: "done" }
        : { key: "reserve", label: "Checking availability", state: "bad" };
    default:
      return { key: "reserve", label: "Tickets held", state: "done" };
  }
}

function payStep(order: Pick<Order, "status" | "holdExpiresAt" | "payment">): Step {
  const { status, payment } = order;
  switch (status) {
    case "pending":
      return { key: "pay", label: "Payment", state: "upcoming" };
    case "reserved":
      return { key: "pay", label: "Waiting for payment", state: "current" };
    case "paying":
      return { key: "pay", label: "Paying", state: "current" };
    case "confirmed":
      return { key: "pay", label: "Paid", state: "done" };
    case "payment_failed":
      return { key: "pay", label: payment?.status === "declined" ? "Payment declined" : "Payment failed", state: "bad" };
    case "expired":
      return { key: "pay", label: "Not paid in time", state: "bad" };
    case "cancelled":
      return { key: "pay", label: "Cancelled", state: "bad" };
    case "rejected":
      return { key: "pay", label: "Payment", state: "skipped" };
    case "failed":
      return wasReserved(order)
        ? { key: "pay", label: "Payment", state: "bad" }
        : { key: "pay", label: "Payment", state: "skipped" };
  }
}

function outcomeStep(status: OrderStatus): Step {
  if (status === "confirmed") return { key: "outcome", label: "Confirmed", state: "done" };
  if (status === "rejected") return { key: "outcome", label: "Rejected", state: "bad" };
  if (status === "failed") return { key: "outcome", label: "Failed", state: "bad" };
  if (isReleased(status)) return { key: "outcome", label: "Tickets released", state: "done" };
  return { key: "outcome", label: "Confirmed", state: "upcoming" };
}

/** The four steps shown on the order page, each with how far the order got. */
export function lifecycleSteps(order: Pick<Order, "status" | "holdExpiresAt" | "payment">): Step[] {
  return [
    { key: "received", label: "Received", state: "done" },
    reserveStep(order),
    payStep(order),
    outcomeStep(order.status),
  ];
}

/**
 * Whether the customer pays this held order from its page. An order placed without `payLater` is charged by
 * the worker right after the hold (the gateway answers 409 to a payment), so it gets no "Pay now".
 */
export function awaitsCustomerPayment(order: Pick<Order, "status" | "payLater">): boolean {
  // An older record without the flag: the contract's reserved state is the pay-later wait.
  return order.status === "reserved" && order.payLater !== false;
}
