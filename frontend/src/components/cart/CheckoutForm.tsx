import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { type CreateOrderResponse, PAYMENT_METHODS, type PaymentMethod } from "../../api/gateway";
import { type CartLine, cartCurrency, cartTotal, MAX_TICKETS_PER_ORDER, toOrderItems, totalQuantity } from "../../lib/cart";
import { type CheckoutErrors, hasErrors } from "../../lib/checkoutErrors";
import { formatMoney } from "../../lib/format";
import { cardFromInput } from "../../lib/paymentMethods";
import { useCheckout } from "../../hooks/useCheckout";
import { queuePathOf } from "../../hooks/useWaitingRoom";
import type { submitOrder } from "../../lib/submitOrder";
import { ErrorMessage } from "../common/ErrorMessage";
import { CardNumberField } from "./CardNumberField";
import { CartLineList } from "./CartLineList";
import { OrderTotal } from "./OrderTotal";
import { PaymentMethodField } from "./PaymentMethodField";
import { TextField } from "../common/TextField";

interface Props {
  lines: CartLine[];
  onQty: (ticketId: string, qty: number) => void;
  onRemove: (ticketId: string) => void;
  onCreated: (created: CreateOrderResponse) => void;
  /** Injected by tests; the real one posts to the gateway. */
  submit?: typeof submitOrder;
  /** The event being bought, when the page knows it: a waiting-room pass is sent only for its own sale. */
  saleId?: string;
}

/** What can be told without asking the server; everything else is the server's call. */
function checkLocally(lines: CartLine[], name: string, email: string): CheckoutErrors {
  const errors: CheckoutErrors = { inputs: {}, lines: {} };
  if (!name.trim()) errors.inputs.name = "Please enter your name.";
  if (!email.trim()) errors.inputs.email = "Please enter your email address.";
  if (totalQuantity(lines) > MAX_TICKETS_PER_ORDER) {
    errors.cart = `An order holds at most ${MAX_TICKETS_PER_ORDER} tickets; this one has ${totalQuantity(lines)}.`;
  }
  return errors;
}

export function CheckoutForm({ lines, onQty, onRemove, onCreated, submit, saleId }: Props) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [paymentMethod, setPaymentMethod] = useState<PaymentMethod>(PAYMENT_METHODS[0]);
  const [card, setCard] = useState("");
  const [payLater, setPayLater] = useState(false);
  const { place, submitting, errors, setErrors } = useCheckout(onCreated, submit, saleId);
  const formRef = useRef<HTMLFormElement>(null);

  // After a failed submit, take keyboard and screen-reader users to the first thing to fix.
  useEffect(() => {
    if (!hasErrors(errors)) return;
    const target = formRef.current?.querySelector<HTMLElement>("[aria-invalid='true'], [role='alert']");
    target?.focus?.();
  }, [errors]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    const local = checkLocally(lines, name, email);
    if (hasErrors(local)) {
      setErrors(local);
      return;
    }
    void place({
      customer: { name: name.trim(), email: email.trim() },
      items: toOrderItems(lines),
      paymentMethod,
      // Held orders are paid from the order page, with the card given there; the fields are sent only
      // when used, so the request is the spec's plain one otherwise.
      ...(payLater ? { payLater: true } : { card: cardFromInput(card) }),
    });
  };

  const total = formatMoney(cartTotal(lines), cartCurrency(lines) ?? "EUR");

  return (
    <form ref={formRef} className="checkout" onSubmit={onSubmit} noValidate aria-label="Checkout">
      {errors.form && (
        <div tabIndex={-1} className="checkout__form-error">
          <ErrorMessage title="Your order was not placed">
            {errors.form}
            {errors.rejoin && (
              <>
                {" "}
                <Link to={saleId === undefined ? "/queue" : queuePathOf(saleId)}>Go to the waiting room</Link>
              </>
            )}
          </ErrorMessage>
        </div>
      )}
      {errors.cart && (
        <p className="field__error" role="alert" id="cart-error">
          {errors.cart}
        </p>
      )}
      <CartLineList lines={lines} lineErrors={errors.lines} onQty={onQty} onRemove={onRemove} />
      <OrderTotal lines={lines} />

      <h3 className="checkout__heading">Your details</h3>
      <TextField
        id="customer-name"
        label="Full name"
        autoComplete="name"
        required
        value={name}
        error={errors.inputs.name}
        onValue={setName}
      />
      <TextField
        id="customer-email"
        label="Email"
        type="email"
        inputMode="email"
        autoComplete="email"
        required
        value={email}
        error={errors.inputs.email}
        onValue={setEmail}
      />
      <PaymentMethodField value={paymentMethod} error={errors.inputs.paymentMethod} onChange={setPaymentMethod} />
      <div className="checkbox-field">
        <input
          id="pay-later"
          type="checkbox"
          checked={payLater}
          aria-describedby="pay-later-hint"
          onChange={(e) => setPayLater(e.target.checked)}
        />
        <label htmlFor="pay-later">Pay later (hold my tickets)</label>
        <p id="pay-later-hint" className="hint">
          Your tickets are held for a limited time; you pay from the order page before the hold runs out.
        </p>
      </div>
      {!payLater && <CardNumberField id="card-number" value={card} error={errors.inputs.card} onValue={setCard} />}

      <button type="submit" className="button button--primary button--block" disabled={submitting || lines.length === 0}>
        {submitting ? "Placing order…" : payLater ? `Hold my tickets · ${total}` : `Place order · ${total}`}
      </button>
      {submitting && (
        <p className="visually-hidden" role="status">
          Placing your order
        </p>
      )}
    </form>
  );
}
