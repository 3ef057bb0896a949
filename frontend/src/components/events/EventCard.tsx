import { Link } from "react-router";
import type { CatalogueEvent } from "../../api/gateway";
import { lowestPrice } from "../../lib/events";
import { formatMoney } from "../../lib/format";
import { EventDate } from "./EventDate";
import { SaleStateBadge } from "./SaleStateBadge";

/** One event of the list: what, where, when, whether it is on sale, and from what price. */
export function EventCard({ event }: { event: CatalogueEvent }) {
  const headingId = `event-${event.id}-name`;
  const from = lowestPrice(event);
  const types = event.tickets.length;
  return (
    <article className="event-card" aria-labelledby={headingId} data-testid={`event-${event.id}`}>
      <div className="event-card__top">
        <EventDate className="event-card__date" startsAt={event.startsAt} />
        <SaleStateBadge event={event} />
      </div>
      <h2 id={headingId} className="event-card__name">
        <Link to={`/events/${encodeURIComponent(event.id)}`} className="event-card__link">
          {event.name}
        </Link>
      </h2>
      <p className="event-card__venue">{event.venue}</p>
      <p className="event-card__meta">
        {from !== null && <span>From {formatMoney(from, event.currency)}</span>}
        <span>
          {types} ticket {types === 1 ? "type" : "types"}
        </span>
      </p>
    </article>
  );
}
