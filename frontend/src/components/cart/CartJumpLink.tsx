import { type CartLine, cartCurrency, cartTotal, totalQuantity } from "../../lib/cart";
import { formatMoney } from "../../lib/format";
import { useElementInView } from "../../hooks/useElementInView";

/**
 * On a phone the cart sits below the list; this bar gets there in one tap. Hidden on wide
 * screens (CSS) and once the cart itself is on screen, where it would cover the form.
 */
export function CartJumpLink({ lines }: { lines: CartLine[] }) {
  const count = totalQuantity(lines);
  const cartInView = useElementInView("cart", count > 0);
  if (count === 0 || cartInView) return null;
  return (
    <a className="cart-jump" href="#cart">
      <span>
        Checkout · {count} {count === 1 ? "ticket" : "tickets"}
      </span>
      <span>{formatMoney(cartTotal(lines), cartCurrency(lines) ?? "EUR")}</span>
    </a>
  );
}
