import { type CartLine, maxQuantityFor } from "../../lib/cart";
import { CartLineRow } from "./CartLineRow";

interface Props {
  lines: CartLine[];
  lineErrors: Record<number, string>;
  onQty: (ticketId: string, qty: number) => void;
  onRemove: (ticketId: string) => void;
}

export function CartLineList({ lines, lineErrors, onQty, onRemove }: Props) {
  return (
    <ul className="cart-lines" aria-label="Tickets in your order">
      {lines.map((line, index) => (
        <CartLineRow
          key={line.ticket.id}
          line={line}
          index={index}
          maxQty={maxQuantityFor(lines, line.ticket.id)}
          error={lineErrors[index]}
          onQty={onQty}
          onRemove={onRemove}
        />
      ))}
    </ul>
  );
}
