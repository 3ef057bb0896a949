import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { listEvents } from "../api/gateway";
import { ApiError } from "../api/transport";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Spinner } from "../components/common/Spinner";
import { EventFilters } from "../components/events/EventFilters";
import { EventList } from "../components/events/EventList";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { usePoll } from "../hooks/usePoll";
import { eventFiltersFromParams, paramsFromEventFilters, sameEventFilters } from "../lib/events";

/** Sales open and close on their own schedule; the list follows without hammering the API. */
export const EVENTS_REFRESH_MS = 10_000;

const isBadRequest = (error: unknown) => error instanceof ApiError && error.status === 400;

export function EventsPage({ refreshMs = EVENTS_REFRESH_MS }: { refreshMs?: number }) {
  useDocumentTitle("Events");
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => eventFiltersFromParams(params), [params]);
  const [draft, setDraft] = useState(applied);
  const settled = useDebouncedValue(draft, 350);

  useEffect(() => {
    if (!sameEventFilters(settled, applied)) setParams(paramsFromEventFilters(settled), { replace: true });
  }, [settled, applied, setParams]);

  const query = paramsFromEventFilters(applied).toString();
  const events = usePoll((signal) => listEvents(applied, signal), {
    intervalMs: refreshMs,
    key: query,
    retryOn: (error) => !isBadRequest(error),
  });
  const filterError = isBadRequest(events.error) ? (events.error as ApiError) : undefined;

  return (
    <>
      <div className="page-heading">
        <div>
          <h1>Events</h1>
          <p className="page-heading__lead">Concerts, festivals and shows: pick one to see its tickets.</p>
        </div>
        <LiveIndicator updatedAt={events.updatedAt} stale={Boolean(events.error) && !filterError} />
      </div>
      <EventFilters value={draft} onChange={setDraft} error={filterError?.message} />
      {filterError ? null : events.data ? (
        <EventList events={events.data} filtered={query !== ""} />
      ) : events.error ? (
        <ErrorMessage title="The events could not be loaded">
          The ticket service is not answering right now. This page keeps trying on its own.
        </ErrorMessage>
      ) : (
        <Spinner label="Loading events…" />
      )}
    </>
  );
}
