import type { Card, Payment, PaymentMethod } from "../api/gateway";

/** How each method is shown; keyed by the generated enum, so a method the gateway adds fails tsc until labelled. */
export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = {
  credit_card: "Credit card",
  debit_card: "Debit card",
  paypal: "PayPal",
  apple_pay: "Apple Pay",
  google_pay: "Google Pay",
  bank_transfer: "Bank transfer",
};

/** An order's method as shown; an unknown one (from a newer server) as it is. */
export function paymentMethodLabel(method: string): string {
  return PAYMENT_METHOD_LABELS[method as PaymentMethod] ?? method;
}

/**
 * The payment provider's test cards (payment-provider/README.md): each picks one outcome, so every path can
 * be tried from the checkout. Any other number, or none, gets the provider's configured mix.
 */
export const TEST_CARDS = [
  { number: "4242 4242 4242 4242", outcome: "approve", label: "approved" },
  { number: "4000 0000 0000 0002", outcome: "decline", label: "declined" },
  { number: "4000 0000 0000 0119", outcome: "error", label: "processing error every time (the payment fails)" },
  { number: "4000 0000 0000 3220", outcome: "timeout", label: "slow answer (approved, found out afterwards)" },
] as const;

/** The card as the API takes it: `{number}` when one was typed (spaces allowed), nothing otherwise. */
export function cardFromInput(text: string): Card | undefined {
  const number = text.trim();
  return number ? { number } : undefined;
}

const PAYMENT_OUTCOMES: Record<Payment["status"], string> = {
  approved: "Approved",
  declined: "Declined",
  error: "Payment service error",
  timeout: "No answer in time",
  refunded: "Refunded",
};

/** The charge's outcome and how many attempts it took: "Declined after 1 attempt". */
export function describePayment(payment: Payment): string {
  const outcome = PAYMENT_OUTCOMES[payment.status] ?? payment.status;
  const attempts = `${payment.attempts} ${payment.attempts === 1 ? "attempt" : "attempts"}`;
  return `${outcome} after ${attempts}`;
}
