/**
 * Where an order validation error belongs in the checkout form.
 *
 * The gateway names the faulty field as a path (`customer.email`, `items[2].qty`, `items`,
 * `paymentMethod`, `card.number`, `body`); the form shows the message next to that input, and anything it
 * cannot place (or an error with no field) at the top of the form.
 */
import { ApiError, isUnreachable } from "../api/transport";
import { formatDateTime } from "./format";

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
  /** The waiting room's pass was refused: offer the way back into the line. */
  rejoin?: boolean;
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

/** The opening time a 425 names: its `opensAt` field, else the ISO time at the end of its message. */
export function opensAtOf(error: ApiError): string | null {
  const body = error.body as { opensAt?: unknown } | null;
  if (body && typeof body.opensAt === "string") return body.opensAt;
  const match = /(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)/.exec(error.message);
  return match ? match[1] : null;
}

/**
 * The waiting room's refusals of POST /orders in plain words (the contract's 401/403/425/429), or null for
 * any other answer. Nothing was stored on any of them, so the order can simply be sent again later.
 */
export function admissionErrorFor(error: ApiError, formatTime: (iso: string) => string = formatDateTime): CheckoutErrors | null {
  const refused = (form: string): CheckoutErrors => ({ inputs: {}, lines: {}, form, rejoin: true });
  switch (error.status) {
    case 425: {
      const opensAt = opensAtOf(error);
      return {
        inputs: {},
        lines: {},
        form: `The sale has not opened yet${opensAt ? `: it opens at ${formatTime(opensAt)}` : ""}. Your order was not placed; please send it again once the sale is open.`,
      };
    }
    case 401:
      if (/missing|required/i.test(error.message)) {
        return refused("This sale has a waiting room: you need a pass from it before you can buy. Your order was not placed.");
      }
      if (/expired/i.test(error.message)) {
        return refused("Your pass from the waiting room has expired, so your order was not placed. Join the waiting room again for a new one.");
      }
      return refused("Your pass from the waiting room could not be verified, so your order was not placed. Join the waiting room again for a new one.");
    case 403:
      return refused("Your pass from the waiting room is for a different sale, so your order was not placed. Join this sale's waiting room for a pass.");
    case 429:
      return refused("Your pass from the waiting room has been used for as many orders as it allows, so this order was not placed. Join the waiting room again to buy more.");
    default:
      return null;
  }
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
