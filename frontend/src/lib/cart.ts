/**
 * The cart as plain data and pure functions, so its arithmetic is tested on its own.
 * A line keeps the ticket as last seen in the catalogue: the total is shown before
 * submitting even when a filter hides that ticket; the server prices the order anyway.
 */
import type { CreateOrderRequest, Ticket } from "../api/gateway";

/** The gateway's default MAX_TICKETS_PER_ORDER; the server is the one that enforces it. */
export const MAX_TICKETS_PER_ORDER = 10;

export interface CartLine {
  ticket: Ticket;
  qty: number;
}

export function totalQuantity(lines: CartLine[]): number {
  return lines.reduce((sum, line) => sum + line.qty, 0);
}

/** In cents, to keep 0.1 + 0.2 out of a price. */
export function cartTotal(lines: CartLine[]): number {
  const cents = lines.reduce((sum, line) => sum + Math.round(line.ticket.price * 100) * line.qty, 0);
  return cents / 100;
}

export function cartCurrency(lines: CartLine[]): string | null {
  return lines[0]?.ticket.currency ?? null;
}

/** How many of this line's ticket the cart may hold: stock left and the per-order cap. */
export function maxQuantityFor(lines: CartLine[], ticketId: string): number {
  const others = lines.filter((l) => l.ticket.id !== ticketId).reduce((sum, l) => sum + l.qty, 0);
  const line = lines.find((l) => l.ticket.id === ticketId);
  const available = line ? line.ticket.available : 0;
  return Math.max(0, Math.min(available, MAX_TICKETS_PER_ORDER - others));
}

export function canAdd(lines: CartLine[], ticket: Ticket): boolean {
  if (ticket.available <= 0 || totalQuantity(lines) >= MAX_TICKETS_PER_ORDER) return false;
  const line = lines.find((l) => l.ticket.id === ticket.id);
  return !line || line.qty < ticket.available;
}

export function addTicket(lines: CartLine[], ticket: Ticket): CartLine[] {
  if (!canAdd(lines, ticket)) return lines;
  const existing = lines.find((l) => l.ticket.id === ticket.id);
  if (!existing) return [...lines, { ticket, qty: 1 }];
  return lines.map((l) => (l === existing ? { ticket, qty: l.qty + 1 } : l));
}

/** Sets a quantity as typed; 0 or less removes the line. Not clamped: the form warns instead. */
export function setQuantity(lines: CartLine[], ticketId: string, qty: number): CartLine[] {
  if (!Number.isFinite(qty) || qty <= 0) return removeTicket(lines, ticketId);
  return lines.map((l) => (l.ticket.id === ticketId ? { ...l, qty: Math.floor(qty) } : l));
}

export function removeTicket(lines: CartLine[], ticketId: string): CartLine[] {
  return lines.filter((l) => l.ticket.id !== ticketId);
}

/** Fresh prices and availability from the catalogue, for the lines it lists. */
export function refreshTickets(lines: CartLine[], tickets: Ticket[]): CartLine[] {
  let changed = false;
  const next = lines.map((line) => {
    const fresh = tickets.find((t) => t.id === line.ticket.id);
    if (!fresh || sameTicket(fresh, line.ticket)) return line;
    changed = true;
    return { ...line, ticket: fresh };
  });
  return changed ? next : lines;
}

function sameTicket(a: Ticket, b: Ticket): boolean {
  return a.price === b.price && a.available === b.available && a.name === b.name && a.currency === b.currency;
}

export function toOrderItems(lines: CartLine[]): CreateOrderRequest["items"] {
  return lines.map((l) => ({ ticketId: l.ticket.id, qty: l.qty }));
}
