import { Link, useParams } from "react-router";
import { getEvent, getEventSales } from "../api/gateway";
import { ApiError } from "../api/transport";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Spinner } from "../components/common/Spinner";
import { EventNotFound } from "../components/events/EventNotFound";
import { EventSummary } from "../components/events/EventSummary";
import { SalesTable } from "../components/events/SalesTable";
import { TokenForm } from "../components/load/TokenForm";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { usePoll } from "../hooks/usePoll";
import { useSessionToken } from "../hooks/useSessionToken";

/** The organiser watches a sale move: every 2 s, one small read of the event's shard. */
export const SALES_REFRESH_MS = 2_000;
/** The event's name, venue and sale state change rarely. */
export const EVENT_INFO_REFRESH_MS = 30_000;

const statusOf = (error: unknown) => (error instanceof ApiError ? error.status : null);
/** Answers that polling again will not change: the page says what to do instead. */
const isDefinite = (error: unknown) => [401, 403, 404].includes(statusOf(error) ?? 0);

interface Props {
  refreshMs?: number;
}

/** `/events/:eventId/sales`: sold, held and available per ticket type, live (the organiser's, like the room's). */
export function EventSalesPage({ refreshMs = SALES_REFRESH_MS }: Props) {
  const { eventId = "" } = useParams();
  const { token, setToken } = useSessionToken();
  const info = usePoll((signal) => getEvent(eventId, signal), {
    intervalMs: EVENT_INFO_REFRESH_MS,
    key: eventId,
    retryOn: (error) => statusOf(error) !== 404,
  });
  // The token is part of the key: a new one starts polling again at once.
  const sales = usePoll((signal) => getEventSales(eventId, token, signal), {
    intervalMs: refreshMs,
    key: `${eventId}\n${token ?? ""}`,
    retryOn: (error) => !isDefinite(error),
  });
  const name = info.data?.name ?? sales.data?.name;
  useDocumentTitle(name ? `Sales · ${name}` : "Sales");

  if (statusOf(info.error) === 404 || statusOf(sales.error) === 404) return <EventNotFound eventId={eventId} />;

  const refused = isDefinite(sales.error) ? statusOf(sales.error) : null;
  const eventPath = `/events/${encodeURIComponent(eventId)}`;

  return (
    <>
      <p className="breadcrumb">
        <Link to="/events">All events</Link>
        <span aria-hidden="true"> / </span>
        <Link to={eventPath}>{name ?? eventId}</Link>
      </p>
      <div className="page-heading">
        <div>
          <h1>Sales{name ? `: ${name}` : ""}</h1>
          {info.data ? (
            <EventSummary event={info.data} />
          ) : (
            <p className="page-heading__lead">Sold, held and available per ticket type.</p>
          )}
        </div>
        <LiveIndicator updatedAt={sales.updatedAt} stale={Boolean(sales.error) && !isDefinite(sales.error)} />
      </div>
      {refused === 401 && (
        <TokenForm
          idPrefix="sales"
          hasToken={Boolean(token)}
          text="The API gateway is protected (ADMIN_TOKEN). Paste its token; it is the same field as the load dashboard's and is kept only in this browser tab."
          onSave={setToken}
          onForget={() => setToken(null)}
        />
      )}
      {refused === 403 && (
        <ErrorMessage title="The gateway refused to show these sales">
          <p>{(sales.error as ApiError).message}</p>
          <p>
            Without ADMIN_TOKEN the gateway shows them only to callers on its own machine; set ADMIN_TOKEN and use it
            here.
          </p>
        </ErrorMessage>
      )}
      {sales.data ? (
        <section className="card sales-card" aria-labelledby="sales-heading">
          <h2 id="sales-heading" className="visually-hidden">
            Sales per ticket type
          </h2>
          <p className="sales-legend" aria-hidden="true">
            <span className="sales-legend__sold">Sold</span>
            <span className="sales-legend__held">Held (unpaid orders)</span>
            <span className="sales-legend__available">Available</span>
          </p>
          <SalesTable sales={sales.data} />
          <p className="hint">
            Held tickets are in orders waiting for payment: they become sold when paid, or available again when the hold
            runs out. The figures refresh by themselves every few seconds.
          </p>
        </section>
      ) : refused ? null : sales.error ? (
        <ErrorMessage title="The sales could not be loaded">
          The ticket service is not answering right now. This page keeps trying on its own.
        </ErrorMessage>
      ) : (
        <Spinner label="Loading the sales…" />
      )}
    </>
  );
}
