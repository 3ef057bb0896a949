import { useEffect, useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { type CreateOrderResponse, getSystemStatus, listTickets, type SystemStatus } from "../api/gateway";
import { type LiveStock, liveUrls, type StockEvent } from "../api/live";
import { ApiError, isUnreachable } from "../api/transport";
import { CartPanel } from "../components/cart/CartPanel";
import { CartJumpLink } from "../components/cart/CartJumpLink";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Notice } from "../components/common/Notice";
import { Spinner } from "../components/common/Spinner";
import { TicketFilters } from "../components/tickets/TicketFilters";
import { TicketList } from "../components/tickets/TicketList";
import { useCart } from "../hooks/useCart";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { usePoll } from "../hooks/usePoll";
import { type EventSourceFactory, useLiveChannel } from "../hooks/useLiveChannel";
import { roomIsOn, useSale } from "../hooks/useSale";
import { useTicketTypes } from "../hooks/useTicketTypes";
import { formatDateTime } from "../lib/format";
import type { submitOrder } from "../lib/submitOrder";
import { filtersFromParams, paramsFromFilters, sameFilters } from "../lib/ticketFilters";

/** Availability changes as others buy; a few seconds keeps it honest without hammering the API. */
export const CATALOGUE_REFRESH_MS = 4_000;
/** While stock is pushed, names and prices are all the catalogue poll is for. */
export const LIVE_CATALOGUE_REFRESH_MS = 30_000;

function ledgerAsLiveStock(status: SystemStatus): LiveStock[] {
  return status.stock.map((s) => ({ id: s.ticketId, available: s.available, held: s.held, sold: s.sold }));
}

const isBadRequest = (error: unknown) => error instanceof ApiError && error.status === 400;

interface Props {
  /** Both injectable for tests: how often to refresh, and how to submit. */
  refreshMs?: number;
  submit?: typeof submitOrder;
  /** Injectable for tests; default the browser's EventSource. */
  eventSource?: EventSourceFactory | null;
}

export function TicketsPage({ refreshMs = CATALOGUE_REFRESH_MS, submit, eventSource }: Props) {
  useDocumentTitle("Tickets");
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFromParams(params), [params]);
  const [draft, setDraft] = useState(applied);
  const settled = useDebouncedValue(draft, 350);
  const types = useTicketTypes();
  const cart = useCart();

  useEffect(() => {
    if (!sameFilters(settled, applied)) setParams(paramsFromFilters(settled), { replace: true });
  }, [settled, applied, setParams]);

  const query = paramsFromFilters(applied).toString();

  // Stock per ticket, pushed by the live service (/live/stock); when that channel fails, the stock ledger
  // (GET /system/status) is polled as often as the catalogue, and given up on any definite refusal (an
  // older gateway, a closed endpoint).
  const stock = useLiveChannel<LiveStock[]>({
    url: liveUrls.stock(),
    event: "stock",
    fromEvent: (payload) => (payload as StockEvent).tickets,
    poll: async (signal) => ledgerAsLiveStock(await getSystemStatus(signal)),
    nextPollMs: () => refreshMs,
    retryOn: isUnreachable,
    eventSource,
  });
  const live = stock.mode === "live";
  const stockById = useMemo(
    () => Object.fromEntries((stock.data ?? []).map((s) => [s.id, { ticketId: s.id, held: s.held, sold: s.sold }])),
    [stock.data],
  );
  // While stock is pushed, the catalogue (names, prices) changes rarely: asked far less often.
  const catalogue = usePoll((signal) => listTickets(applied, signal), {
    intervalMs: live ? Math.max(refreshMs, LIVE_CATALOGUE_REFRESH_MS) : refreshMs,
    key: query,
    retryOn: (error) => !isBadRequest(error),
  });
  // Availability as pushed, over the catalogue's (which may be older); polled, the catalogue's own.
  const tickets = useMemo(() => {
    if (!catalogue.data || !live || !stock.data) return catalogue.data;
    const available = new Map(stock.data.map((s) => [s.id, s.available]));
    return catalogue.data.map((t) => (available.has(t.id) ? { ...t, available: available.get(t.id)! } : t));
  }, [catalogue.data, live, stock.data]);

  const { refresh } = cart;
  useEffect(() => {
    if (tickets) refresh(tickets);
  }, [tickets, refresh]);

  // With the sale's waiting room on, buying needs a pass: a visitor without one is sent into the line.
  const { sale, pass } = useSale();
  useEffect(() => {
    if (sale && roomIsOn(sale.room.state) && !pass) navigate("/queue", { replace: true });
  }, [sale, pass, navigate]);

  const onCreated = (created: CreateOrderResponse) => {
    cart.clear();
    navigate(`/orders/${encodeURIComponent(created.orderId)}`, { state: { created } });
  };

  // The type filter's options: the catalogue's types, plus any type in view or in the URL, so the
  // select can show its value even before (or without) the one-off catalogue request.
  const typeOptions = [
    ...new Set([...types, ...(tickets ?? []).map((t) => t.type), ...(applied.type ? [applied.type] : [])]),
  ].sort();
  const filterError = isBadRequest(catalogue.error) ? (catalogue.error as ApiError) : undefined;

  return (
    <>
      <div className="page-heading">
        <div>
          <h1>Tickets</h1>
          <p className="page-heading__lead">Pick your passes. Availability updates live as others buy.</p>
        </div>
        <LiveIndicator
          updatedAt={live ? stock.updatedAt : catalogue.updatedAt}
          stale={Boolean(catalogue.error) && !filterError}
        />
      </div>
      {sale && !sale.open && sale.opensAt && (
        <Notice>The sale opens at {formatDateTime(sale.opensAt)}. Until then you can look, but orders are not taken.</Notice>
      )}
      {pass && sale && roomIsOn(sale.room.state) && (
        <Notice>
          You are in: your pass from the waiting room is valid
          {pass.expiresAt ? ` until ${formatDateTime(pass.expiresAt)}` : ""}
          {pass.usesLeft !== null ? ` for ${pass.usesLeft} ${pass.usesLeft === 1 ? "order" : "orders"}` : ""}.
        </Notice>
      )}
      <div className="tickets-layout">
        <section className="tickets-layout__catalogue" aria-label="Catalogue">
          <TicketFilters
            value={draft}
            types={typeOptions}
            onChange={setDraft}
            error={filterError ? { field: filterError.field, message: filterError.message } : undefined}
          />
          {filterError ? null : tickets ? (
            <TicketList tickets={tickets} cart={cart.lines} onAdd={cart.add} stock={stockById} />
          ) : catalogue.error ? (
            <ErrorMessage title="The tickets could not be loaded">
              The ticket service is not answering right now. This page keeps trying on its own.
            </ErrorMessage>
          ) : (
            <Spinner label="Loading tickets…" />
          )}
        </section>
        <CartPanel cart={cart} onCreated={onCreated} submit={submit} />
      </div>
      <CartJumpLink lines={cart.lines} />
    </>
  );
}
