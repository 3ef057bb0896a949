/**
 * Where an order validation error belongs in the checkout form.
 *
 * The gateway names the faulty field as a path (`customer.email`, `items[2].qty`, `items`,
 * `paymentMethod`, `card.number`, `body`); the form shows the message next to that input, and anything it
 * cannot place (or an error with no field) at the top of the form.
 */
import { ApiError, isUnreachable } from "../api/transport";

export type CheckoutInput = "name" | "email" | "paymentMethod" | "card";

export interface CheckoutErrors {
  /** Messages for the customer and payment inputs. */
  inputs: Partial<Record<CheckoutInput, string>>;
  /** Messages for cart lines, by their index in the submitted items array. */
  lines: Record<number, string>;
  /** About the cart as a whole (e.g. too many tickets in total). */
  cart?: string;
  /** Not tied to one input. */
  form?: string;
}

export const NO_ERRORS: CheckoutErrors = { inputs: {}, lines: {} };

const INPUT_FOR_FIELD: Record<string, CheckoutInput> = {
  "customer.name": "name",
  "customer.email": "email",
  paymentMethod: "paymentMethod",
  card: "card",
  "card.number": "card",
};

const LINE_FIELD = /^items\[(\d+)\](?:\.(?:qty|ticketId))?$/;

/** The message without its leading "field: ", which is redundant beside the field itself. */
export function messageWithoutField(message: string, field: string | null): string {
  if (field && message.startsWith(`${field}: `)) {
    const rest = message.slice(field.length + 2);
    return rest.charAt(0).toUpperCase() + rest.slice(1);
  }
  return message;
}

export function checkoutErrorsFor(field: string | null, message: string): CheckoutErrors {
  const text = messageWithoutField(message, field);
  if (field && INPUT_FOR_FIELD[field]) return { inputs: { [INPUT_FOR_FIELD[field]]: text }, lines: {} };
  const line = field ? LINE_FIELD.exec(field) : null;
  if (line) return { inputs: {}, lines: { [Number(line[1])]: text } };
  if (field === "items") return { inputs: {}, lines: {}, cart: text };
  return { inputs: {}, lines: {}, form: message };
}

export function hasErrors(errors: CheckoutErrors): boolean {
  return Boolean(
    errors.form || errors.cart || Object.keys(errors.inputs).length || Object.keys(errors.lines).length,
  );
}

/** Paying or cancelling a held order from its page (POST /orders/{id}/payment, /cancel). */
export type OrderAction = "pay" | "cancel";

export interface OrderActionError {
  /** Put beside the payment method or card input, when the gateway names one of them. */
  input?: "paymentMethod" | "card";
  message: string;
  /** The order changed meanwhile (409/410) or may have: the page should look at it again. */
  refresh: boolean;
}

const CONFLICT: Record<OrderAction, string> = {
  pay: "This order can no longer be paid: it is already being paid, is paid, or has been closed. The page now shows where it stands.",
  cancel:
    "This order can no longer be cancelled: its payment is already under way or it has been decided. The page now shows where it stands.",
};

const GONE: Record<OrderAction, string> = {
  pay: "The time to pay for this order has run out, so the tickets held for it are being released and nothing was charged. Please place a new order.",
  cancel: "The hold on this order has already run out, so its tickets are released anyway; there is nothing left to cancel.",
};

const UNREACHABLE: Record<OrderAction, string> = {
  pay: "The ticket service could not be reached, so we cannot tell whether your payment started. Trying again is safe: an order is never charged twice.",
  cancel: "The ticket service could not be reached, so the order may not be cancelled yet. Trying again is safe.",
};

/** What to tell the customer when paying or cancelling was refused or got no answer. */
export function orderActionErrorFor(action: OrderAction, error: unknown): OrderActionError {
  if (error instanceof ApiError && !error.isUnavailable) {
    if (error.status === 409) return { message: CONFLICT[action], refresh: true };
    if (error.status === 410) return { message: GONE[action], refresh: true };
    if (error.status === 404) return { message: "This order no longer exists.", refresh: true };
    const input = error.field ? INPUT_FOR_FIELD[error.field] : undefined;
    if (input === "paymentMethod" || input === "card") {
      return { input, message: messageWithoutField(error.message, error.field), refresh: false };
    }
    return { message: error.message, refresh: false };
  }
  if (isUnreachable(error)) return { message: UNREACHABLE[action], refresh: true };
  return { message: error instanceof Error ? error.message : String(error), refresh: false };
}
