import type { Order } from "../../api/gateway";
import { describeReason } from "../../lib/orderReasons";
import { StatusIcon } from "./StatusIcon";

function headline(order: Order): { title: string; detail: string } {
  const tickets = order.items.reduce((sum, item) => sum + item.qty, 0);
  switch (order.status) {
    case "confirmed":
      return {
        title: "Your order is confirmed",
        detail: `${tickets} ${tickets === 1 ? "ticket is" : "tickets are"} booked in your name. Enjoy the show!`,
      };
    case "rejected":
      return { title: "We could not book this order", detail: describeReason(order.reason, "rejected") };
    case "failed":
      return { title: "Something went wrong with this order", detail: describeReason(order.reason, "failed") };
    default:
      return {
        title: "Processing your order…",
        detail: "We have received your order and are checking availability. This page updates by itself.",
      };
  }
}

/** The answer the person came for; a live region, so a status change is announced. */
export function OrderStatusPanel({ order }: { order: Order }) {
  const { title, detail } = headline(order);
  return (
    <section className={`status-panel status-panel--${order.status}`} aria-labelledby="order-status-title">
      <StatusIcon status={order.status} />
      <div role="status" aria-live="polite" aria-atomic="true">
        <h1 id="order-status-title" className="status-panel__title">
          {title}
        </h1>
        <p className="status-panel__detail">{detail}</p>
      </div>
    </section>
  );
}
