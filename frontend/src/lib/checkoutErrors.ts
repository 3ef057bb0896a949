/**
 * Where an order validation error belongs in the checkout form.
 *
 * The gateway names the faulty field as a path (`customer.email`, `items[2].qty`, `items`,
 * `paymentMethod`, `body`); the form shows the message next to that input, and anything it
 * cannot place (or an error with no field) at the top of the form.
 */
export type CheckoutInput = "name" | "email" | "paymentMethod";

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
