import { useRef, useState } from "react";
import type { CreateOrderRequest, CreateOrderResponse } from "../api/gateway";
import { ApiError, isUnreachable } from "../api/transport";
import { dropPass, notePassUsed, readPass } from "../lib/admission";
import { admissionErrorFor, checkoutErrorsFor, type CheckoutErrors, NO_ERRORS } from "../lib/checkoutErrors";
import { newIdempotencyKey } from "../lib/idempotencyKey";
import { submitOrder } from "../lib/submitOrder";

type SubmitFn = typeof submitOrder;

/**
 * Submitting the checkout form: the idempotency key, the retries, and the mapping of the
 * gateway's answer onto the form. A new submit gets a new key; sending the very same order
 * again after the answer was lost reuses it, since it is the same submit being retried.
 */
export function useCheckout(
  onCreated: (created: CreateOrderResponse) => void,
  submit: SubmitFn = submitOrder,
  /** The sale (event) the order is for, when known: only that sale's pass is sent. */
  saleId?: string,
) {
  const [submitting, setSubmitting] = useState(false);
  const [errors, setErrors] = useState<CheckoutErrors>(NO_ERRORS);
  const unanswered = useRef<{ body: string; key: string } | null>(null);

  async function place(order: CreateOrderRequest) {
    const body = JSON.stringify(order);
    const key = unanswered.current?.body === body ? unanswered.current.key : newIdempotencyKey();
    unanswered.current = { body, key };
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      // Read at each submit: the pass may have come (or gone) since the page opened.
      const pass = readPass(Date.now(), saleId);
      const created = await submit(order, key, { admissionToken: pass?.token ?? null });
      unanswered.current = null;
      if (pass) notePassUsed();
      onCreated(created);
    } catch (error) {
      if (error instanceof ApiError && !error.isUnavailable) {
        // A definite answer: the server refused this order, so nothing is left to retry.
        unanswered.current = null;
        const admission = admissionErrorFor(error);
        // A refused pass will not work again: forget it, so the tickets page sends the visitor back in line.
        if (admission?.rejoin) dropPass();
        setErrors(admission ?? checkoutErrorsFor(error.field, error.message));
      } else if (isUnreachable(error)) {
        setErrors({
          ...NO_ERRORS,
          form: "The ticket service could not be reached, so we cannot tell whether your order was placed. Submitting again is safe: it will not be placed twice.",
        });
      } else {
        setErrors({ ...NO_ERRORS, form: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      setSubmitting(false);
    }
  }

  return { place, submitting, errors, setErrors };
}
