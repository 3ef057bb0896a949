import { type CartLine, cartCurrency, cartTotal, totalQuantity } from "../../lib/cart";
import { formatMoney } from "../../lib/format";

export function OrderTotal({ lines }: { lines: CartLine[] }) {
  const count = totalQuantity(lines);
  const currency = cartCurrency(lines) ?? "EUR";
  return (
    <div className="order-total">
      <p className="order-total__row">
        <span>
          Total <span className="order-total__count">({count} {count === 1 ? "ticket" : "tickets"})</span>
        </span>
        <output className="order-total__amount" aria-label="Order total" aria-live="polite">
          {formatMoney(cartTotal(lines), currency)}
        </output>
      </p>
      <p className="order-total__note">Prices from the current catalogue; the server confirms the final amount.</p>
    </div>
  );
}
