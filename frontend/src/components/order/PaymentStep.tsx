import { type FormEvent, useState } from "react";
import { cancelOrder, type Order, payOrder, type PaymentMethod } from "../../api/gateway";
import { type OrderAction, type OrderActionError, orderActionErrorFor } from "../../lib/checkoutErrors";
import { formatMoney } from "../../lib/format";
import { cardFromInput } from "../../lib/paymentMethods";
import { CardNumberField } from "../cart/CardNumberField";
import { PaymentMethodField } from "../cart/PaymentMethodField";

interface Props {
  order: Order;
  /** The order changed (or may have): show what is known and follow it again. */
  onChanged: (known?: Partial<Order>) => void;
  /**
   * A refusal not tied to an input (409, 410, no answer), or null when an action starts. The page shows it,
   * since a 409/410 means the order moved on and this step is about to disappear.
   */
  onProblem: (problem: { action: OrderAction; message: string } | null) => void;
  /** Injectable for tests. */
  pay?: typeof payOrder;
  cancel?: typeof cancelOrder;
}

/** Paying for a held order, or giving its tickets back: shown while the order is `reserved`. */
export function PaymentStep({ order, onChanged, onProblem, pay = payOrder, cancel = cancelOrder }: Props) {
  const [paymentMethod, setPaymentMethod] = useState<PaymentMethod>(order.paymentMethod);
  const [card, setCard] = useState("");
  const [busy, setBusy] = useState<OrderAction | null>(null);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [inputError, setInputError] = useState<OrderActionError | null>(null);

  async function run(action: OrderAction) {
    if (busy) return;
    setBusy(action);
    setInputError(null);
    onProblem(null);
    try {
      if (action === "pay") {
        const answer = await pay(order.orderId, { paymentMethod, card: cardFromInput(card) });
        onChanged({ status: answer.status, paymentMethod });
      } else {
        const answer = await cancel(order.orderId);
        onChanged({ status: answer.status });
      }
    } catch (caught) {
      const problem = orderActionErrorFor(action, caught);
      if (problem.input) setInputError(problem);
      else onProblem({ action, message: problem.message });
      if (problem.refresh) onChanged();
    } finally {
      setBusy(null);
      setConfirmingCancel(false);
    }
  }

  const onPay = (event: FormEvent) => {
    event.preventDefault();
    void run("pay");
  };

  const total = formatMoney(order.grandTotal, order.currency);

  return (
    <section className="card payment-step" aria-labelledby="payment-step-heading">
      <h2 id="payment-step-heading">Pay for your tickets</h2>
      <form onSubmit={onPay} noValidate aria-label="Pay now">
        <PaymentMethodField
          value={paymentMethod}
          error={inputError?.input === "paymentMethod" ? inputError.message : undefined}
          onChange={setPaymentMethod}
        />
        <CardNumberField
          id="pay-card-number"
          value={card}
          error={inputError?.input === "card" ? inputError.message : undefined}
          onValue={setCard}
        />
        <div className="payment-step__actions">
          <button type="submit" className="button button--primary" disabled={busy !== null}>
            {busy === "pay" ? "Starting payment…" : `Pay now · ${total}`}
          </button>
          {confirmingCancel ? (
            <span className="payment-step__confirm" role="group" aria-label="Confirm cancelling">
              <button
                type="button"
                className="button button--danger"
                disabled={busy !== null}
                onClick={() => void run("cancel")}
              >
                {busy === "cancel" ? "Cancelling…" : "Yes, release my tickets"}
              </button>
              <button type="button" className="button button--ghost" onClick={() => setConfirmingCancel(false)}>
                Keep them
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="button button--ghost"
              disabled={busy !== null}
              onClick={() => setConfirmingCancel(true)}
            >
              Cancel order
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
