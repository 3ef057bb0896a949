import type { Order } from "../../api/gateway";
import { formatDateTime } from "../../lib/format";
import { paymentMethodLabel } from "../../lib/paymentMethods";

export function OrderDetails({ order }: { order: Order }) {
  return (
    <dl className="details">
      <div>
        <dt>Order number</dt>
        <dd className="mono">{order.orderId}</dd>
      </div>
      <div>
        <dt>Name</dt>
        <dd>{order.customer.name}</dd>
      </div>
      <div>
        <dt>Email</dt>
        <dd>{order.customer.email}</dd>
      </div>
      <div>
        <dt>Payment</dt>
        <dd>{paymentMethodLabel(order.paymentMethod)}</dd>
      </div>
      <div>
        <dt>Placed</dt>
        <dd>{formatDateTime(order.createdAt)}</dd>
      </div>
      {order.decidedAt && (
        <div>
          <dt>Decided</dt>
          <dd>{formatDateTime(order.decidedAt)}</dd>
        </div>
      )}
    </dl>
  );
}
