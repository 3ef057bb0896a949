import { act, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { readPass, savePass } from "../../lib/admission";
import { submitOrder } from "../../lib/submitOrder";
import { TicketsPage } from "../../pages/TicketsPage";
import { fakeEventSources } from "../../test/fakeEventSource";
import { admittedStatus, orderCreated, sale, systemStatus, TICKETS } from "../../test/fixtures";
import { json, mockFetch, type RecordedRequest } from "../../test/mockFetch";
import { renderAt } from "../../test/renderWithRouter";

// Unlike the plain checkout tests' fast submit, this one passes the pass on.
const fastSubmit: typeof submitOrder = (order, key, options) =>
  submitOrder(order, key, { ...options, sleep: async () => {} });

function roomShopApi(orderAnswer: (request: RecordedRequest) => Response, state: "open" | "off" = "open") {
  return mockFetch({
    "GET /api/sales": () => json(200, { sales: [sale({ room: { state } })] }),
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
    "POST /api/orders": orderAnswer,
  });
}

async function placeOrder() {
  const view = renderAt(<TicketsPage submit={fastSubmit} eventSource={null} />);
  await screen.findByRole("heading", { name: "General Admission" });
  await view.user.click(screen.getByRole("button", { name: "Add General Admission to order" }));
  const cart = screen.getByRole("complementary", { name: /Your order/ });
  await view.user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
  await view.user.type(within(cart).getByLabelText("Email"), "ada@example.com");
  await view.user.click(within(cart).getByRole("button", { name: /^Place order/ }));
  return { ...view, cart };
}

beforeEach(() => localStorage.clear());

describe("checkout with the waiting room on", () => {
  it("sends the pass as Admission-Token and counts one use", async () => {
    savePass(admittedStatus({ usesLeft: 2 }));
    const api = roomShopApi(() => json(201, orderCreated()));
    await placeOrder();
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/"));
    expect(api.to("POST", "/api/orders")[0].headers.get("Admission-Token")).toBe(admittedStatus().admissionToken);
    expect(readPass(Date.now())?.usesLeft).toBe(1);
  });

  it("sends no Admission-Token without a pass (room off)", async () => {
    const api = roomShopApi(() => json(201, orderCreated()), "off");
    await placeOrder();
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/"));
    expect(api.to("POST", "/api/orders")[0].headers.has("Admission-Token")).toBe(false);
  });

  it("explains a used-up pass (429) in words, forgets it and links back to the waiting room", async () => {
    savePass(admittedStatus());
    roomShopApi(() => json(429, { error: "admission token used up: 2 orders allowed" }));
    const { cart } = await placeOrder();
    expect(await within(cart).findByText(/as many orders as it allows/)).toBeInTheDocument();
    expect(within(cart).getByRole("link", { name: "Go to the waiting room" })).toHaveAttribute("href", "/queue");
    expect(readPass(Date.now())).toBeNull();
  });

  it("explains 425 with the opening time and keeps the pass", async () => {
    savePass(admittedStatus());
    roomShopApi(() =>
      json(425, { error: "the sale opens at 2099-06-01T18:00:00Z", opensAt: "2099-06-01T18:00:00Z" }),
    );
    const { cart } = await placeOrder();
    expect(await within(cart).findByText(/has not opened yet: it opens at/)).toBeInTheDocument();
    expect(readPass(Date.now())).not.toBeNull();
  });
});

describe("tickets page and the waiting room", () => {
  it("sends a visitor without a pass to the waiting room when the sale's room is on", async () => {
    roomShopApi(() => json(201, orderCreated()));
    renderAt(<TicketsPage eventSource={null} />);
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/queue"));
  });

  it("lets a visitor with a pass shop, and says how long the pass lasts", async () => {
    savePass(admittedStatus({ usesLeft: 2 }));
    roomShopApi(() => json(201, orderCreated()));
    renderAt(<TicketsPage eventSource={null} />);
    expect(await screen.findByText(/You are in: your pass from the waiting room is valid/)).toHaveTextContent("for 2 orders");
    expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/);
  });

  it("stays in the shop when the room is off", async () => {
    const api = roomShopApi(() => json(201, orderCreated()), "off");
    renderAt(<TicketsPage eventSource={null} />);
    await screen.findByRole("heading", { name: "General Admission" });
    await waitFor(() => expect(api.to("GET", "/api/sales")).toHaveLength(1));
    expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/);
  });
});

describe("live stock on the tickets page", () => {
  it("shows pushed availability and held/sold without polling the ledger", async () => {
    const sources = fakeEventSources();
    const api = mockFetch({
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /api/system/status": () => json(200, systemStatus()),
    });
    renderAt(<TicketsPage eventSource={sources.factory} />);
    await screen.findByRole("heading", { name: "General Admission" });
    expect(sources.latest().url).toBe("/live/stock");
    act(() => sources.latest().open());
    act(() => sources.latest().send("stock", { tickets: [{ id: "ga-adult", available: 7, held: 3, sold: 110 }] }));
    expect(await screen.findByText("Only 7 left")).toBeInTheDocument();
    expect(screen.getByTestId("stock-ga-adult")).toHaveTextContent("3 held · 110 sold");
    expect(api.to("GET", "/api/system/status")).toHaveLength(0);
  });

  it("falls back to polling the ledger when the stock channel fails", async () => {
    const sources = fakeEventSources();
    const api = mockFetch({
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /api/system/status": () => json(200, systemStatus()),
    });
    renderAt(<TicketsPage refreshMs={20} eventSource={sources.factory} />);
    await screen.findByRole("heading", { name: "General Admission" });
    act(() => sources.latest().fail());
    await waitFor(() => expect(api.to("GET", "/api/system/status").length).toBeGreaterThan(1));
  });
});
