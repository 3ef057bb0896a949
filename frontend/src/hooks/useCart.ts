import { useCallback, useEffect, useState } from "react";
import type { Ticket } from "../api/gateway";
import { addTicket, type CartLine, refreshTickets, removeTicket, setQuantity } from "../lib/cart";

const STORAGE_KEY = "cart";

/** The cart of one event's page; the tickets page keeps the default event's under `cart`. */
export const eventCartKey = (eventId: string) => `cart:${eventId}`;

function restore(storageKey: string): CartLine[] {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey) ?? "[]");
    return Array.isArray(saved) ? saved.filter((l) => l?.ticket?.id && Number.isInteger(l.qty) && l.qty > 0) : [];
  } catch {
    return [];
  }
}

/**
 * The cart, kept in sessionStorage so that visiting the dashboard and coming back keeps it. One per
 * event (`storageKey`), since an order's tickets must all belong to one event. A caller that changes
 * the key remounts (React `key`), so the lines of one event never land in another's entry.
 */
export function useCart(storageKey: string = STORAGE_KEY) {
  const [lines, setLines] = useState<CartLine[]>(() => restore(storageKey));

  useEffect(() => {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(lines));
    } catch {
      // storage unavailable: the cart simply does not survive a reload
    }
  }, [lines, storageKey]);

  return {
    lines,
    add: useCallback((ticket: Ticket) => setLines((l) => addTicket(l, ticket)), []),
    setQty: useCallback((ticketId: string, qty: number) => setLines((l) => setQuantity(l, ticketId, qty)), []),
    remove: useCallback((ticketId: string) => setLines((l) => removeTicket(l, ticketId)), []),
    refresh: useCallback((tickets: Ticket[]) => setLines((l) => refreshTickets(l, tickets)), []),
    clear: useCallback(() => setLines([]), []),
  };
}

export type Cart = ReturnType<typeof useCart>;
