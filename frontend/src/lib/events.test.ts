import { describe, expect, it } from "vitest";
import { eventsQuery } from "../api/gateway";
import { catalogueEvent } from "../test/fixtures";
import {
  effectiveSaleState,
  eventFiltersFromParams,
  lowestPrice,
  offSaleText,
  paramsFromEventFilters,
  saleStateText,
  salesShares,
  sameEventFilters,
  soldPercent,
} from "./events";

describe("event filters in the URL", () => {
  it("reads q and onSale, and writes only what is set", () => {
    const filters = eventFiltersFromParams(new URLSearchParams("q=harbour&onSale=true"));
    expect(filters).toEqual({ q: "harbour", onSale: true });
    expect(paramsFromEventFilters(filters).toString()).toBe("q=harbour&onSale=true");
    expect(paramsFromEventFilters({ q: "  ", onSale: false }).toString()).toBe("");
  });

  it("treats any onSale other than true as off, and blank names as no filter", () => {
    expect(eventFiltersFromParams(new URLSearchParams("onSale=1")).onSale).toBe(false);
    expect(sameEventFilters({ q: "" }, { q: " ", onSale: false })).toBe(true);
    expect(sameEventFilters({ q: "a" }, { q: "b" })).toBe(false);
  });

  it("sends the API's own parameter names", () => {
    expect(eventsQuery({ q: " lights ", onSale: true })).toBe("?q=lights&onSale=true");
    expect(eventsQuery({})).toBe("");
  });
});

describe("sale state in words", () => {
  const at = (iso: string) => `at ${iso}`;
  it("names each state, and a scheduled sale's opening when known", () => {
    expect(saleStateText({ saleState: "open", saleOpensAt: null, onSale: true })).toBe("On sale");
    expect(saleStateText({ saleState: "closed", saleOpensAt: null, onSale: false })).toBe("Sale closed");
    expect(saleStateText({ saleState: "scheduled", saleOpensAt: null, onSale: false })).toBe("Sale not open yet");
    const scheduled = { saleState: "scheduled", saleOpensAt: "2027-06-01T09:00:00Z", onSale: false } as const;
    expect(saleStateText(scheduled, at)).toBe("Sale opens at 2027-06-01T09:00:00Z");
  });

  it("takes the gateway's onSale over the stored state: a scheduled sale past its opening is on sale", () => {
    const opened = { saleState: "scheduled", saleOpensAt: "2020-01-01T00:00:00Z", onSale: true } as const;
    expect(effectiveSaleState(opened)).toBe("open");
    expect(saleStateText(opened)).toBe("On sale");
    expect(offSaleText(opened)).toBeUndefined();
  });

  it("says why nothing can be added while the sale is not on", () => {
    expect(offSaleText({ saleState: "closed", saleOpensAt: null, onSale: false })).toBe("Sale closed");
    expect(offSaleText({ saleState: "scheduled", saleOpensAt: null, onSale: false })).toBe("Not on sale yet");
  });
});

describe("an event's prices", () => {
  it("finds the lowest price, or none without tickets", () => {
    expect(lowestPrice(catalogueEvent())).toBe(59);
    expect(lowestPrice(catalogueEvent({ tickets: [] }))).toBeNull();
  });
});

describe("sales figures as a bar", () => {
  it("splits the bar by sold, held and available, filling it whole", () => {
    const shares = salesShares({ initial: 100, sold: 50, held: 25, available: 25 });
    expect(shares).toEqual({ sold: 50, held: 25, available: 25 });
  });

  it("draws nothing for an empty stock and never a negative segment", () => {
    expect(salesShares({ initial: 0, sold: 0, held: 0, available: 0 })).toEqual({ sold: 0, held: 0, available: 0 });
    expect(salesShares({ initial: 10, sold: 10, held: -1, available: 0 }).held).toBe(0);
  });

  it("gives the share sold of the initial stock in whole percent", () => {
    expect(soldPercent({ initial: 600, sold: 95, held: 13, available: 492 })).toBe(16);
    expect(soldPercent({ initial: 0, sold: 0, held: 0, available: 0 })).toBe(0);
  });
});
