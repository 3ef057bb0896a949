import type { CatalogueEvent } from "../../api/gateway";
import { EventDate } from "./EventDate";
import { SaleStateBadge } from "./SaleStateBadge";

/** Where and when, and the sale's state: under an event page's heading. */
export function EventSummary({ event }: { event: CatalogueEvent }) {
  return (
    <dl className="event-summary">
      <div>
        <dt>When</dt>
        <dd>
          <EventDate startsAt={event.startsAt} />
        </dd>
      </div>
      <div>
        <dt>Where</dt>
        <dd>{event.venue}</dd>
      </div>
      <div>
        <dt>Sale</dt>
        <dd>
          <SaleStateBadge event={event} />
        </dd>
      </div>
    </dl>
  );
}
