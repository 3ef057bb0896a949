import type { Order } from "../../api/gateway";
import { formatDateTime } from "../../lib/format";
import { describePayment, paymentMethodLabel } from "../../lib/paymentMethods";

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
      {order.payment && (
        <div>
          <dt>Charge</dt>
          <dd data-testid="payment-outcome">
            {describePayment(order.payment)}
            {order.payment.chargeId && <span className="details__sub mono">{order.payment.chargeId}</span>}
          </dd>
        </div>
      )}
      {order.holdExpiresAt && (order.status === "reserved" || order.status === "paying") && (
        <div>
          <dt>Held until</dt>
          <dd>{formatDateTime(order.holdExpiresAt)}</dd>
        </div>
      )}
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
