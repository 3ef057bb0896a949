import type { Order } from "../../api/gateway";
import { formatMoney, humanize } from "../../lib/format";

export function OrderItemsTable({ order, names }: { order: Order; names: Record<string, string> }) {
  return (
    <table className="table order-items">
      <caption className="visually-hidden">Tickets in this order</caption>
      <thead>
        <tr>
          <th scope="col">Ticket</th>
          <th scope="col" className="num">
            Qty
          </th>
          <th scope="col" className="num">
            Price
          </th>
          <th scope="col" className="num">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {order.items.map((item) => (
          <tr key={item.ticketId}>
            <th scope="row">
              {names[item.ticketId] ?? humanize(item.ticketId)}
              <span className="order-items__type">{humanize(item.type)}</span>
            </th>
            <td className="num">{item.qty}</td>
            <td className="num">{formatMoney(item.unitPrice, order.currency)}</td>
            <td className="num">{formatMoney(item.total, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            Grand total
          </th>
          <td className="num order-items__grand">{formatMoney(order.grandTotal, order.currency)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
