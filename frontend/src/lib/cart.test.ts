import { describe, expect, it } from "vitest";
import { TICKETS } from "../test/fixtures";
import {
  addTicket,
  canAdd,
  cartTotal,
  MAX_TICKETS_PER_ORDER,
  maxQuantityFor,
  refreshTickets,
  setQuantity,
  toOrderItems,
  totalQuantity,
} from "./cart";

const [adult, child, vipSoldOut] = TICKETS;

describe("cart", () => {
  it("totals quantities times catalogue prices without floating-point drift", () => {
    const lines = [
      { ticket: { ...adult, price: 0.1 }, qty: 3 },
      { ticket: { ...child, price: 0.2 }, qty: 1 },
    ];
    expect(cartTotal(lines)).toBe(0.5);
    expect(cartTotal([{ ticket: adult, qty: 2 }, { ticket: child, qty: 3 }])).toBe(178 + 76.5);
  });

  it("adds a ticket as a new line, then increments that line", () => {
    let lines = addTicket([], adult);
    lines = addTicket(lines, adult);
    lines = addTicket(lines, child);
    expect(toOrderItems(lines)).toEqual([
      { ticketId: "ga-adult", qty: 2 },
      { ticketId: "ga-child", qty: 1 },
    ]);
  });

  it("cannot add a sold-out ticket", () => {
    expect(canAdd([], vipSoldOut)).toBe(false);
    expect(addTicket([], vipSoldOut)).toEqual([]);
  });

  it("stops adding at the per-order cap and at the stock left", () => {
    const full = [{ ticket: adult, qty: MAX_TICKETS_PER_ORDER }];
    expect(canAdd(full, child)).toBe(false);
    const scarce = { ...child, available: 2 };
    expect(canAdd([{ ticket: scarce, qty: 2 }], scarce)).toBe(false);
    expect(maxQuantityFor([{ ticket: adult, qty: 4 }, { ticket: scarce, qty: 1 }], "ga-adult")).toBe(9);
    expect(maxQuantityFor([{ ticket: adult, qty: 4 }, { ticket: scarce, qty: 1 }], scarce.id)).toBe(2);
  });

  it("removes a line whose quantity is set to zero", () => {
    const lines = setQuantity([{ ticket: adult, qty: 2 }], "ga-adult", 0);
    expect(lines).toEqual([]);
    expect(totalQuantity(setQuantity([{ ticket: adult, qty: 2 }], "ga-adult", 5))).toBe(5);
  });

  it("takes fresh price and availability from the catalogue, keeping unlisted lines as they were", () => {
    const lines = [{ ticket: adult, qty: 1 }, { ticket: child, qty: 1 }];
    const refreshed = refreshTickets(lines, [{ ...adult, price: 95, available: 3 }]);
    expect(refreshed[0].ticket.price).toBe(95);
    expect(refreshed[0].ticket.available).toBe(3);
    expect(refreshed[1]).toBe(lines[1]);
    expect(refreshTickets(lines, TICKETS)).toBe(lines); // nothing changed: same array, no re-render
  });
});
