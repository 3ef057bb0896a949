import type { Ticket } from "../../api/gateway";
import { formatMoney, humanize } from "../../lib/format";
import { AvailabilityBadge } from "./AvailabilityBadge";

interface Props {
  ticket: Ticket;
  inCart: number;
  canAdd: boolean;
  onAdd: (ticket: Ticket) => void;
}

export function TicketCard({ ticket, inCart, canAdd, onAdd }: Props) {
  const soldOut = ticket.available <= 0;
  const headingId = `ticket-${ticket.id}-name`;
  return (
    <article
      className={`ticket-card ${soldOut ? "ticket-card--soldout" : ""}`}
      aria-labelledby={headingId}
      data-testid={`ticket-${ticket.id}`}
    >
      <div className="ticket-card__top">
        <span className="chip">{humanize(ticket.type)}</span>
        <AvailabilityBadge available={ticket.available} />
      </div>
      <h3 id={headingId} className="ticket-card__name">
        {ticket.name}
      </h3>
      <p className="ticket-card__description">{ticket.description}</p>
      <div className="ticket-card__bottom">
        <div>
          <p className="ticket-card__price">{formatMoney(ticket.price, ticket.currency)}</p>
          {inCart > 0 && <p className="ticket-card__incart">{inCart} in your order</p>}
        </div>
        <button type="button" className="button button--primary" disabled={!canAdd} onClick={() => onAdd(ticket)}>
          {soldOut ? (
            "Sold out"
          ) : (
            <>
              Add <span className="visually-hidden">{ticket.name}</span> to order
            </>
          )}
        </button>
      </div>
    </article>
  );
}
