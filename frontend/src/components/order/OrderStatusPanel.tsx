import type { Order } from "../../api/gateway";
import { awaitsCustomerPayment } from "../../lib/orderLifecycle";
import { describeReason } from "../../lib/orderReasons";
import { HoldCountdown } from "./HoldCountdown";
import { StatusIcon } from "./StatusIcon";

function ticketCount(order: Order): string {
  const tickets = order.items.reduce((sum, item) => sum + item.qty, 0);
  return `${tickets} ${tickets === 1 ? "ticket is" : "tickets are"}`;
}

/** A release after a charge that was refunded: the reason alone would say nothing was charged. */
function releasedDetail(order: Order, status: "payment_failed" | "expired" | "cancelled"): string {
  if (order.payment?.status === "refunded") {
    return "The tickets we held for you have been released, and the payment taken for them was refunded in full.";
  }
  return describeReason(order.reason, status);
}

function headline(order: Order): { title: string; detail: string } {
  switch (order.status) {
    case "pending":
      return {
        title: "Processing your order…",
        detail: "We have received your order and are checking availability. This page updates by itself.",
      };
    case "reserved":
      if (!awaitsCustomerPayment(order)) {
        return {
          title: "Your tickets are held",
          detail: `${ticketCount(order)} held in your name; your payment is taken next. This page updates by itself.`,
        };
      }
      return {
        title: "Your tickets are held",
        detail: `${ticketCount(order)} held in your name. Pay before the hold runs out to book them; otherwise they are released.`,
      };
    case "paying":
      return {
        title: "Taking your payment…",
        detail: "Your tickets stay held while the payment service answers. This page updates by itself.",
      };
    case "confirmed":
      return { title: "Your order is confirmed", detail: `${ticketCount(order)} booked in your name. Enjoy the show!` };
    case "rejected":
      return { title: "We could not book this order", detail: describeReason(order.reason, "rejected") };
    case "payment_failed":
      return { title: "Your payment did not go through", detail: releasedDetail(order, "payment_failed") };
    case "expired":
      return { title: "Your hold has expired", detail: releasedDetail(order, "expired") };
    case "cancelled":
      return { title: "Your order is cancelled", detail: releasedDetail(order, "cancelled") };
    case "failed":
      return { title: "Something went wrong with this order", detail: describeReason(order.reason, "failed") };
  }
}

/** The answer the person came for; a live region, so a status change is announced. */
export function OrderStatusPanel({ order }: { order: Order }) {
  const { title, detail } = headline(order);
  return (
    <section className={`status-panel status-panel--${order.status}`} aria-labelledby="order-status-title">
      <StatusIcon status={order.status} />
      <div>
        <div role="status" aria-live="polite" aria-atomic="true">
          <h1 id="order-status-title" className="status-panel__title">
            {title}
          </h1>
          <p className="status-panel__detail">{detail}</p>
        </div>
        {awaitsCustomerPayment(order) && order.holdExpiresAt && <HoldCountdown holdExpiresAt={order.holdExpiresAt} />}
      </div>
    </section>
  );
}
