import type { StockFigures, Ticket } from "../../api/gateway";
import { canAdd, type CartLine } from "../../lib/cart";
import { TicketCard } from "./TicketCard";

interface Props {
  tickets: Ticket[];
  cart: CartLine[];
  onAdd: (ticket: Ticket) => void;
  /** Stock ledger entries by ticket id (held and sold), when known. */
  stock?: Record<string, StockFigures>;
  /** While the sale is not open: why nothing can be added (see TicketCard). */
  offSale?: string;
  /** What to say when there are no tickets to show. */
  emptyText?: string;
}

export function TicketList({ tickets, cart, onAdd, stock, offSale, emptyText }: Props) {
  if (tickets.length === 0) {
    return (
      <p className="empty">{emptyText ?? "No tickets match these filters. Try a wider price range or another type."}</p>
    );
  }
  return (
    <ul className="ticket-list" aria-label="Tickets">
      {tickets.map((ticket) => (
        <li key={ticket.id}>
          <TicketCard
            ticket={ticket}
            inCart={cart.find((l) => l.ticket.id === ticket.id)?.qty ?? 0}
            canAdd={canAdd(cart, ticket)}
            onAdd={onAdd}
            stock={stock?.[ticket.id]}
            offSale={offSale}
          />
        </li>
      ))}
    </ul>
  );
}
