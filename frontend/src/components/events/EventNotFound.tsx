import { Link } from "react-router";

/** An unknown event id (the gateway's 404): said plainly, with the way back to the list. */
export function EventNotFound({ eventId }: { eventId: string }) {
  return (
    <section className="card card--narrow not-found" aria-labelledby="event-missing">
      <h1 id="event-missing">We could not find this event</h1>
      <p>
        There is no event <span className="mono">{eventId}</span>. It may have been mistyped, or the link is old.
      </p>
      <Link className="button button--primary" to="/events">
        Browse events
      </Link>
    </section>
  );
}
