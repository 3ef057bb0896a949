/** The worker's machine reasons (ticketing_common.status.Reason) in words a customer understands. */
const REASONS: Record<string, string> = {
  insufficient_stock:
    "There were not enough tickets left for at least one item in your order, so nothing was booked or charged.",
  unknown_ticket: "One of the tickets in your order is no longer sold, so nothing was booked or charged.",
  max_deliveries_exceeded:
    "We could not process your order after several attempts. Nothing was booked or charged; please try again.",
};

export function describeReason(reason: string | null | undefined, status: "rejected" | "failed"): string {
  if (reason && REASONS[reason]) return REASONS[reason];
  const fallback =
    status === "rejected"
      ? "Your order could not be accepted. Nothing was booked or charged."
      : "Processing your order failed. Nothing was booked or charged; please try again.";
  return reason ? `${fallback} (reason: ${reason.replace(/_/g, " ")})` : fallback;
}
