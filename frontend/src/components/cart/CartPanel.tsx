import type { CreateOrderResponse } from "../../api/gateway";
import type { Cart } from "../../hooks/useCart";
import { totalQuantity } from "../../lib/cart";
import type { submitOrder } from "../../lib/submitOrder";
import { CheckoutForm } from "./CheckoutForm";

interface Props {
  cart: Cart;
  onCreated: (created: CreateOrderResponse) => void;
  submit?: typeof submitOrder;
  /** The event being bought, when the page is one event's (see CheckoutForm). */
  saleId?: string;
}

export function CartPanel({ cart, onCreated, submit, saleId }: Props) {
  const count = totalQuantity(cart.lines);
  return (
    <aside id="cart" className="cart-panel" aria-labelledby="cart-heading">
      <h2 id="cart-heading" className="cart-panel__heading">
        Your order
        {count > 0 && <span className="cart-panel__count">{count}</span>}
      </h2>
      {cart.lines.length === 0 ? (
        <p className="empty empty--small">Your order is empty. Add tickets from the list to get started.</p>
      ) : (
        <CheckoutForm
          lines={cart.lines}
          onQty={cart.setQty}
          onRemove={cart.remove}
          onCreated={onCreated}
          submit={submit}
          saleId={saleId}
        />
      )}
    </aside>
  );
}
