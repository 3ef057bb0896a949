import type { OrderStatus } from "../api/gateway";

/** The worker's machine reasons (ticketing_common.status.Reason) in words a customer understands. */
const REASONS: Record<string, string> = {
  insufficient_stock:
    "There were not enough tickets left for at least one item in your order, so nothing was booked or charged.",
  unknown_ticket: "One of the tickets in your order is no longer sold, so nothing was booked or charged.",
  max_deliveries_exceeded:
    "We could not process your order after several attempts. Nothing was booked or charged; please try again.",
  payment_declined:
    "Your card was declined, so nothing was charged. The tickets we held for you have been released; you can place a new order with another card or payment method.",
  payment_error:
    "We could not get an answer from the payment service after several tries, so nothing was charged. The tickets we held for you have been released; please try again in a little while.",
  hold_expired:
    "The time to pay for this order ran out, so the tickets we held for you have been released. Nothing was charged.",
  cancelled_by_customer: "You cancelled this order. The tickets we held for you have been released and nothing was charged.",
};

/** The statuses that come with a reason; the words used when the reason is missing or new to this page. */
const FALLBACKS = {
  rejected: "Your order could not be accepted. Nothing was booked or charged.",
  failed: "Processing your order failed. Nothing was booked or charged; please try again.",
  payment_failed: "The payment did not go through, so nothing was charged and the tickets we held have been released.",
  expired: "The time to pay for this order ran out, so the tickets we held for you have been released. Nothing was charged.",
  cancelled: "This order was cancelled. The tickets held for it have been released and nothing was charged.",
} as const satisfies Partial<Record<OrderStatus, string>>;

export type ReasonStatus = keyof typeof FALLBACKS;

export function describeReason(reason: string | null | undefined, status: ReasonStatus): string {
  if (reason && REASONS[reason]) return REASONS[reason];
  const fallback = FALLBACKS[status];
  return reason ? `${fallback} (reason: ${reason.replace(/_/g, " ")})` : fallback;
}
