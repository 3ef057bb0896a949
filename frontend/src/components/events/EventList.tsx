import type { CatalogueEvent } from "../../api/gateway";
import { EventCard } from "./EventCard";

export function EventList({ events, filtered }: { events: CatalogueEvent[]; filtered: boolean }) {
  if (events.length === 0) {
    return (
      <p className="empty">
        {filtered ? "No events match these filters. Try another name, or all events." : "No events are listed yet."}
      </p>
    );
  }
  return (
    <ul className="event-list" aria-label="Events">
      {events.map((event) => (
        <li key={event.id}>
          <EventCard event={event} />
        </li>
      ))}
    </ul>
  );
}
