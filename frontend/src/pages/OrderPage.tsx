import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { Notice } from "../components/common/Notice";
import { Spinner } from "../components/common/Spinner";
import { OrderDetails } from "../components/order/OrderDetails";
import { OrderItemsTable } from "../components/order/OrderItemsTable";
import { OrderProgress } from "../components/order/OrderProgress";
import { OrderStatusPanel } from "../components/order/OrderStatusPanel";
import { PaymentStep } from "../components/order/PaymentStep";
import type { cancelOrder, payOrder } from "../api/gateway";
import { type Backoff, useOrderFollower } from "../hooks/useOrderFollower";
import type { OrderAction } from "../lib/checkoutErrors";
import { humanize } from "../lib/format";
import { awaitsCustomerPayment, isTerminal } from "../lib/orderLifecycle";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { useTicketNames } from "../hooks/useTicketNames";

/** After this long still pending, say so: the person should not wonder whether the page is stuck. */
export const SLOW_DECISION_MS = 30_000;

interface Props {
  backoff?: Backoff;
  slowAfterMs?: number;
  /** Injectable for tests: paying and cancelling a held order. */
  pay?: typeof payOrder;
  cancel?: typeof cancelOrder;
}

export function OrderPage({ backoff, slowAfterMs = SLOW_DECISION_MS, pay, cancel }: Props) {
  const { orderId = "" } = useParams();
  const { view, restart } = useOrderFollower(orderId, backoff);
  // A refused payment or cancel, kept after the order moves on: the 409/410 explains why it did.
  const [problem, setProblem] = useState<{ orderId: string; action: OrderAction; message: string } | null>(null);
  // Measured on this page's clock, not from createdAt: the server's clock may differ. Read in an
  // effect (render must stay pure) that each poll's answer re-arms, so the notice comes on time.
  const followingSince = useRef<{ orderId: string; at: number } | null>(null);
  const [slowOrderId, setSlowOrderId] = useState<string | null>(null);
  useEffect(() => {
    if (followingSince.current?.orderId !== orderId) followingSince.current = { orderId, at: Date.now() };
    if (slowOrderId === orderId) return;
    const left = followingSince.current.at + slowAfterMs - Date.now();
    const timer = setTimeout(() => setSlowOrderId(orderId), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [orderId, slowAfterMs, slowOrderId, view]);
  const names = useTicketNames();
  useDocumentTitle(
    view.kind === "found" ? `Order ${humanize(view.order.status).toLowerCase()}` : view.kind === "not-found" ? "Order not found" : "Your order",
  );

  if (view.kind === "loading") return <Spinner label="Looking up your order…" />;

  if (view.kind === "not-found") {
    return (
      <section className="card card--narrow not-found" aria-labelledby="order-missing">
        <h1 id="order-missing">We could not find this order</h1>
        <p>
          There is no order with the number <span className="mono">{orderId}</span>. Please check the link you
          followed; order links are sent exactly as they appear after checkout.
        </p>
        <Link className="button button--primary" to="/">
          Browse tickets
        </Link>
      </section>
    );
  }

  if (view.kind === "error") {
    return (
      <div className="card card--narrow">
        <h1>Your order</h1>
        <ErrorMessage title="We cannot reach the ticket service right now">
          This page keeps trying on its own and will show your order as soon as it can.
        </ErrorMessage>
      </div>
    );
  }

  const { order, connectionProblem } = view;
  return (
    <div className="order-page">
      <OrderStatusPanel order={order} />
      <OrderProgress order={order} />
      {problem?.orderId === orderId && (
        <ErrorMessage title={problem.action === "pay" ? "The payment was not started" : "The order was not cancelled"}>
          {problem.message}
        </ErrorMessage>
      )}
      {awaitsCustomerPayment(order) && (
        <PaymentStep
          key={order.orderId}
          order={order}
          onChanged={restart}
          onProblem={(next) => setProblem(next && { orderId, ...next })}
          pay={pay}
          cancel={cancel}
        />
      )}
      {order.status === "pending" && slowOrderId === orderId && (
        <Notice>
          This is taking longer than usual; the order workers may be busy. Your order is safe and this page keeps
          checking.
        </Notice>
      )}
      {connectionProblem && (
        <Notice tone="warning">Connection trouble: showing the last known state while we keep trying.</Notice>
      )}
      <div className="order-page__grid">
        <section className="card" aria-labelledby="order-items-heading">
          <h2 id="order-items-heading">Tickets</h2>
          <OrderItemsTable order={order} names={names} />
        </section>
        <section className="card" aria-labelledby="order-details-heading">
          <h2 id="order-details-heading">Details</h2>
          <OrderDetails order={order} />
          <p className="hint">Keep this page's address: it always shows this order's latest state.</p>
        </section>
      </div>
      {isTerminal(order.status) && (
        <p>
          <Link className="button button--ghost" to="/">
            {order.status === "confirmed" ? "Buy more tickets" : "Back to tickets"}
          </Link>
        </p>
      )}
    </div>
  );
}
