/**
 * TODO(issue 17): hand-written from /work/briefs/shard-contract.md section 2 until the gateway's OpenAPI
 * document has the events endpoints; then `make types` generates them and this file is deleted (gateway.ts
 * names every type from ./schema/gateway.ts, as it does for the rest). Nothing outside gateway.ts imports it.
 */

/** `saleState` (ticketing_common/status.py). */
export type SaleState = "scheduled" | "open" | "closed";

/** A ticket type of an event; `available` only where the gateway counts stock (GET /events/{id}). */
export interface EventTicket {
  id: string;
  name: string;
  type: string;
  price: number;
  description: string;
  available?: number;
}

export interface CatalogueEvent {
  id: string;
  name: string;
  venue: string;
  /** ISO 8601 */
  startsAt: string;
  /** ISO 8601, or null: no scheduled opening. */
  saleOpensAt: string | null;
  saleState: SaleState;
  currency: string;
  shard: number;
  tickets: EventTicket[];
}

/** GET /events: `{events: [...]}`, as GET /tickets answers `{tickets: [...]}`. */
export interface EventList {
  events: CatalogueEvent[];
}

/** The figures of GET /events/{id}/sales, per ticket type and in total. */
export interface SalesFigures {
  initial: number;
  available: number;
  held: number;
  sold: number;
}

export interface TicketSales extends SalesFigures {
  ticketId: string;
  name: string;
  type: string;
}

export interface EventSales {
  eventId: string;
  tickets: TicketSales[];
  totals: SalesFigures;
}

/** GET /events query parameters (`onSale=true` only when asked for). */
export interface EventQuery {
  q?: string;
  from?: string;
  to?: string;
  onSale?: "true";
}
