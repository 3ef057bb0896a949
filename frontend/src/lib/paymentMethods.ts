import type { PaymentMethod } from "../api/gateway";

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
