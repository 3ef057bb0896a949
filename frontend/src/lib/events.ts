/**
 * The catalogue of events as plain functions: the list's filters in the URL, the sale's state in words,
 * an event's ticket types as the cart's tickets, and the organiser's figures as shares of a bar.
 */
import type { CatalogueEvent, EventFilters, SaleState, SalesFigures, Ticket } from "../api/gateway";
import { formatDateTime } from "./format";

/** Filters live in the URL (?q=&onSale=true, the API's own names) so a view can be shared. */
export function eventFiltersFromParams(params: URLSearchParams): EventFilters {
  return { q: params.get("q") ?? "", onSale: params.get("onSale") === "true" };
}

export function paramsFromEventFilters(filters: EventFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q?.trim()) params.set("q", filters.q.trim());
  if (filters.onSale) params.set("onSale", "true");
  return params;
}

export function sameEventFilters(a: EventFilters, b: EventFilters): boolean {
  return paramsFromEventFilters(a).toString() === paramsFromEventFilters(b).toString();
}

/** Every state has words, so a new one fails tsc until it has them. */
const SALE_STATE_LABELS: Record<SaleState, string> = {
  scheduled: "Sale not open yet",
  open: "On sale",
  closed: "Sale closed",
};

/** The sale's state in words; a scheduled sale says when it opens, if it knows. */
export function saleStateText(
  event: Pick<CatalogueEvent, "saleState" | "saleOpensAt">,
  formatTime: (iso: string) => string = formatDateTime,
): string {
  if (event.saleState === "scheduled" && event.saleOpensAt) return `Sale opens ${formatTime(event.saleOpensAt)}`;
  return SALE_STATE_LABELS[event.saleState] ?? event.saleState;
}

/**
 * An event's ticket types as the tickets the cart and the ticket cards know (they carry the currency
 * themselves). A type without a count (a list entry rather than GET /events/{id}) counts as none left,
 * rather than as plenty: the server decides anyway.
 */
export function ticketsOfEvent(event: CatalogueEvent): Ticket[] {
  return event.tickets.map((t) => ({
    id: t.id,
    name: t.name,
    type: t.type,
    price: t.price,
    description: t.description,
    currency: event.currency,
    available: t.available ?? 0,
  }));
}

/** The cheapest ticket of an event, for the list ("from €25.00"); null when it has none. */
export function lowestPrice(event: CatalogueEvent): number | null {
  return event.tickets.length ? Math.min(...event.tickets.map((t) => t.price)) : null;
}

export interface SalesShares {
  sold: number;
  held: number;
  available: number;
}

/**
 * Sold, held and available as percentages of the bar. The bar is their sum rather than `initial`,
 * so that the three segments always fill it, even while a count is moving between two polls.
 */
export function salesShares(figures: SalesFigures): SalesShares {
  const whole = Math.max(0, figures.sold) + Math.max(0, figures.held) + Math.max(0, figures.available);
  if (whole === 0) return { sold: 0, held: 0, available: 0 };
  const share = (n: number) => (Math.max(0, n) / whole) * 100;
  return { sold: share(figures.sold), held: share(figures.held), available: share(figures.available) };
}

/** The share of the stock sold, in whole percent of `initial` (0 when there was none). */
export function soldPercent(figures: SalesFigures): number {
  return figures.initial > 0 ? Math.round((figures.sold / figures.initial) * 100) : 0;
}
