import type { StockFigures, Ticket } from "../../api/gateway";
import { formatCount, formatMoney, humanize } from "../../lib/format";
import { AvailabilityBadge } from "./AvailabilityBadge";

interface Props {
  ticket: Ticket;
  inCart: number;
  canAdd: boolean;
  onAdd: (ticket: Ticket) => void;
  /** The ticket's stock ledger from GET /system/status, when it could be read. */
  stock?: StockFigures;
  /** Set while the event's sale is not open: the button says so (e.g. "Sale closed") and cannot add. */
  offSale?: string;
}

/** Held (in other buyers' unpaid orders) apart from sold, when the gateway reports holds. */
function StockBreakdown({ stock, soldOut }: { stock: StockFigures; soldOut: boolean }) {
  if (typeof stock.held !== "number") return null;
  return (
    <p className="ticket-card__stock" data-testid={`stock-${stock.ticketId}`}>
      {formatCount(stock.held)} held · {formatCount(stock.sold)} sold
      {soldOut && stock.held > 0 && (
        <span className="ticket-card__stock-note">Held tickets come back if they are not paid in time.</span>
      )}
    </p>
  );
}

export function TicketCard({ ticket, inCart, canAdd, onAdd, stock, offSale }: Props) {
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
      {stock && <StockBreakdown stock={stock} soldOut={soldOut} />}
      <div className="ticket-card__bottom">
        <div>
          <p className="ticket-card__price">{formatMoney(ticket.price, ticket.currency)}</p>
          {inCart > 0 && <p className="ticket-card__incart">{inCart} in your order</p>}
        </div>
        <button
          type="button"
          className="button button--primary"
          disabled={!canAdd || Boolean(offSale)}
          onClick={() => onAdd(ticket)}
        >
          {soldOut ? (
            "Sold out"
          ) : offSale ? (
            offSale
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
