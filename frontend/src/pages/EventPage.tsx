import { useEffect } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { type CreateOrderResponse, getEvent } from "../api/gateway";
import { ApiError } from "../api/transport";
import { CartJumpLink } from "../components/cart/CartJumpLink";
import { CartPanel } from "../components/cart/CartPanel";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Notice } from "../components/common/Notice";
import { Spinner } from "../components/common/Spinner";
import { EventNotFound } from "../components/events/EventNotFound";
import { EventSummary } from "../components/events/EventSummary";
import { TicketList } from "../components/tickets/TicketList";
import { eventCartKey, useCart } from "../hooks/useCart";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { usePoll } from "../hooks/usePoll";
import { roomIsOn, useSale } from "../hooks/useSale";
import { queuePathOf } from "../hooks/useWaitingRoom";
import { effectiveSaleState, offSaleText } from "../lib/events";
import { formatDateTime, formatEventDate } from "../lib/format";
import type { submitOrder } from "../lib/submitOrder";

/** Availability changes as others buy: as often as the tickets page asks. */
export const EVENT_REFRESH_MS = 4_000;

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

interface Props {
  /** Both injectable for tests: how often to refresh, and how to submit. */
  refreshMs?: number;
  submit?: typeof submitOrder;
}

/** `/events/:eventId`: one event's tickets, bought through the same cart and checkout as the tickets page. */
export function EventPage(props: Props) {
  const { eventId = "" } = useParams();
  // A new event is a new page: its own cart, poll and checkout state, nothing carried over.
  return <EventView key={eventId} eventId={eventId} {...props} />;
}

function EventView({ eventId, refreshMs = EVENT_REFRESH_MS, submit }: Props & { eventId: string }) {
  const navigate = useNavigate();
  const event = usePoll((signal) => getEvent(eventId, signal), {
    intervalMs: refreshMs,
    retryOn: (error) => !isNotFound(error),
  });
  useDocumentTitle(event.data?.name ?? "Event");
  // One cart per event: an order's tickets must all belong to one event.
  const cart = useCart(eventCartKey(eventId));
  const tickets = event.data?.tickets;

  const { refresh } = cart;
  useEffect(() => {
    if (tickets) refresh(tickets);
  }, [tickets, refresh]);

  // Every event is a sale with its own waiting room: with this event's room on, a visitor without a pass
  // for it is sent into this event's line (and comes back here once let in).
  const { sale, pass } = useSale(eventId);
  const roomGuards = Boolean(sale && sale.saleId === eventId && roomIsOn(sale.room.state));
  useEffect(() => {
    if (roomGuards && !pass) navigate(queuePathOf(eventId), { replace: true });
  }, [roomGuards, pass, navigate, eventId]);

  const onCreated = (created: CreateOrderResponse) => {
    cart.clear();
    navigate(`/orders/${encodeURIComponent(created.orderId)}`, { state: { created } });
  };

  if (isNotFound(event.error)) return <EventNotFound eventId={eventId} />;
  if (!event.data || !tickets) {
    return event.error ? (
      <ErrorMessage title="This event could not be loaded">
        The ticket service is not answering right now. This page keeps trying on its own.
      </ErrorMessage>
    ) : (
      <Spinner label="Loading the event…" />
    );
  }

  const current = event.data;
  const state = effectiveSaleState(current);
  const offSale = offSaleText(current);
  const salesPath = `/events/${encodeURIComponent(eventId)}/sales`;

  return (
    <>
      <p className="breadcrumb">
        <Link to="/events">All events</Link>
      </p>
      <div className="page-heading">
        <div>
          <h1>{current.name}</h1>
          <EventSummary event={current} />
        </div>
        <div className="page-heading__side">
          <LiveIndicator updatedAt={event.updatedAt} stale={Boolean(event.error)} />
          <Link to={salesPath} className="button button--ghost button--small">
            Organiser view
          </Link>
        </div>
      </div>
      {state === "scheduled" && (
        <Notice>
          {current.saleOpensAt
            ? `The sale opens at ${formatEventDate(current.saleOpensAt)}.`
            : "The sale has not opened yet."}{" "}
          Until then you can look, but orders are not taken.
        </Notice>
      )}
      {state === "closed" && (
        <Notice tone="warning">The sale for this event has closed: no more orders are taken.</Notice>
      )}
      {pass && roomGuards && (
        <Notice>
          You are in: your pass from the waiting room is valid
          {pass.expiresAt ? ` until ${formatDateTime(pass.expiresAt)}` : ""}.
        </Notice>
      )}
      <div className="tickets-layout">
        <section className="tickets-layout__catalogue" aria-label="Tickets of this event">
          <TicketList
            tickets={tickets}
            cart={cart.lines}
            onAdd={cart.add}
            offSale={offSale}
            emptyText="This event has no tickets on offer yet."
          />
        </section>
        <CartPanel cart={cart} onCreated={onCreated} submit={submit} saleId={eventId} />
      </div>
      <CartJumpLink lines={cart.lines} />
    </>
  );
}
