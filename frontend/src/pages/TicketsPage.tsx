import { useEffect, useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { type CreateOrderResponse, getSystemStatus, listTickets, type StockEntry } from "../api/gateway";
import { ApiError, isUnreachable } from "../api/transport";
import { CartPanel } from "../components/cart/CartPanel";
import { CartJumpLink } from "../components/cart/CartJumpLink";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Spinner } from "../components/common/Spinner";
import { TicketFilters } from "../components/tickets/TicketFilters";
import { TicketList } from "../components/tickets/TicketList";
import { useCart } from "../hooks/useCart";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { usePoll } from "../hooks/usePoll";
import { useTicketTypes } from "../hooks/useTicketTypes";
import type { submitOrder } from "../lib/submitOrder";
import { filtersFromParams, paramsFromFilters, sameFilters } from "../lib/ticketFilters";

/** Availability changes as others buy; a few seconds keeps it honest without hammering the API. */
export const CATALOGUE_REFRESH_MS = 4_000;

const isBadRequest = (error: unknown) => error instanceof ApiError && error.status === 400;

interface Props {
  /** Both injectable for tests: how often to refresh, and how to submit. */
  refreshMs?: number;
  submit?: typeof submitOrder;
}

export function TicketsPage({ refreshMs = CATALOGUE_REFRESH_MS, submit }: Props) {
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
  const catalogue = usePoll((signal) => listTickets(applied, signal), {
    intervalMs: refreshMs,
    key: query,
    retryOn: (error) => !isBadRequest(error),
  });

  // Held vs sold is in the stock ledger (GET /system/status), not the catalogue. A nice-to-have here: asked
  // as often as the catalogue, and given up on any definite refusal (an older gateway, a closed endpoint).
  const ledger = usePoll((signal) => getSystemStatus(signal), { intervalMs: refreshMs, retryOn: isUnreachable });
  const stockById = useMemo(() => {
    const entries: StockEntry[] = ledger.data?.stock ?? [];
    return Object.fromEntries(entries.map((entry) => [entry.ticketId, entry]));
  }, [ledger.data]);

  const { refresh } = cart;
  useEffect(() => {
    if (catalogue.data) refresh(catalogue.data);
  }, [catalogue.data, refresh]);

  const onCreated = (created: CreateOrderResponse) => {
    cart.clear();
    navigate(`/orders/${encodeURIComponent(created.orderId)}`, { state: { created } });
  };

  // The type filter's options: the catalogue's types, plus any type in view or in the URL, so the
  // select can show its value even before (or without) the one-off catalogue request.
  const typeOptions = [
    ...new Set([...types, ...(catalogue.data ?? []).map((t) => t.type), ...(applied.type ? [applied.type] : [])]),
  ].sort();
  const filterError = isBadRequest(catalogue.error) ? (catalogue.error as ApiError) : undefined;

  return (
    <>
      <div className="page-heading">
        <div>
          <h1>Tickets</h1>
          <p className="page-heading__lead">Pick your passes. Availability updates live as others buy.</p>
        </div>
        <LiveIndicator updatedAt={catalogue.updatedAt} stale={Boolean(catalogue.error) && !filterError} />
      </div>
      <div className="tickets-layout">
        <section className="tickets-layout__catalogue" aria-label="Catalogue">
          <TicketFilters
            value={draft}
            types={typeOptions}
            onChange={setDraft}
            error={filterError ? { field: filterError.field, message: filterError.message } : undefined}
          />
          {filterError ? null : catalogue.data ? (
            <TicketList tickets={catalogue.data} cart={cart.lines} onAdd={cart.add} stock={stockById} />
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
