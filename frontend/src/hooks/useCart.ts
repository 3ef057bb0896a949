import { useCallback, useEffect, useState } from "react";
import type { Ticket } from "../api/gateway";
import { addTicket, type CartLine, refreshTickets, removeTicket, setQuantity } from "../lib/cart";

const STORAGE_KEY = "cart";

function restore(): CartLine[] {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(saved) ? saved.filter((l) => l?.ticket?.id && Number.isInteger(l.qty) && l.qty > 0) : [];
  } catch {
    return [];
  }
}

/** The cart, kept in sessionStorage so that visiting the dashboard and coming back keeps it. */
export function useCart() {
  const [lines, setLines] = useState<CartLine[]>(restore);

  useEffect(() => {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(lines));
    } catch {
      // storage unavailable: the cart simply does not survive a reload
    }
  }, [lines]);

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
