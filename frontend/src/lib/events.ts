/**
 * The catalogue of events as plain functions: the list's filters in the URL, the sale's state in words,
 * and the organiser's figures as shares of a bar.
 */
import type { CatalogueEvent, EventFilters, SaleState, SalesFigures } from "../api/gateway";
import { formatEventDate } from "./format";

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

export type SaleView = Pick<CatalogueEvent, "saleState" | "saleOpensAt" | "onSale">;

/**
 * The sale as a buyer sees it: `onSale` is the gateway's word for "POST /orders sells it now", so a
 * scheduled sale whose opening time has passed is on sale, whatever its stored state says.
 */
export function effectiveSaleState(event: SaleView): SaleState {
  if (event.onSale) return "open";
  return event.saleState === "open" ? "closed" : event.saleState;
}

/** The sale's state in words; a scheduled sale says when it opens, if it knows. */
export function saleStateText(event: SaleView, formatTime: (iso: string) => string = formatEventDate): string {
  const state = effectiveSaleState(event);
  if (state === "scheduled" && event.saleOpensAt) return `Sale opens ${formatTime(event.saleOpensAt)}`;
  return SALE_STATE_LABELS[state] ?? state;
}

/** Why nothing can be added while the sale is not on, as the ticket buttons say it; undefined when on sale. */
export function offSaleText(event: SaleView): string | undefined {
  const state = effectiveSaleState(event);
  if (state === "closed") return "Sale closed";
  if (state === "scheduled") return "Not on sale yet";
  return undefined;
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
