import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { StockEntry } from "../api/gateway";
import { systemStatus, TICKETS } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { TicketsPage } from "./TicketsPage";

function catalogueApi(answer: (url: URL) => Response = () => json(200, { tickets: TICKETS })) {
  return mockFetch({ "GET /api/tickets": (request) => answer(request.url) });
}

/** A filter lands after the 350 ms debounce and a request: more than waitFor's default 1 s on a busy machine. */
const SETTLE = { timeout: 5_000 };

const ticketCards = () => within(screen.getByRole("list", { name: "Tickets" })).getAllByRole("article");

describe("tickets page", () => {
  it("lists the catalogue with availability, and a sold-out ticket cannot be added", async () => {
    catalogueApi();
    renderAt(<TicketsPage />);
    expect(await screen.findByRole("heading", { name: "General Admission" })).toBeInTheDocument();
    expect(ticketCards()).toHaveLength(3);
    expect(screen.getByText("120 available")).toBeInTheDocument();
    expect(screen.getByText("Only 40 left")).toBeInTheDocument();

    const vip = screen.getByTestId("ticket-vip-lounge");
    expect(within(vip).getAllByText("Sold out").length).toBeGreaterThan(0);
    expect(within(vip).getByRole("button", { name: "Sold out" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Add General Admission to order" })).toBeEnabled();
  });

  it("filters by type through the API's type query parameter", async () => {
    const api = catalogueApi((url) => {
      const type = url.searchParams.get("type");
      return json(200, { tickets: TICKETS.filter((t) => !type || t.type === type) });
    });
    const { user } = renderAt(<TicketsPage />);
    await screen.findByRole("heading", { name: "General Admission" });
    // The options come from the catalogue itself.
    await screen.findByRole("option", { name: "Vip" });

    await user.selectOptions(screen.getByLabelText("Ticket type"), "child");
    await waitFor(() => expect(ticketCards()).toHaveLength(1), SETTLE);
    expect(screen.getByRole("heading", { name: "Child Pass" })).toBeInTheDocument();
    expect(api.requests.some((r) => r.url.searchParams.get("type") === "child")).toBe(true);
    expect(screen.getByTestId("location")).toHaveTextContent("/?type=child");
  });

  it("filters by price range through min_price and max_price", async () => {
    const api = catalogueApi((url) => {
      const min = Number(url.searchParams.get("min_price") ?? 0);
      const max = Number(url.searchParams.get("max_price") ?? Infinity);
      return json(200, { tickets: TICKETS.filter((t) => t.price >= min && t.price <= max) });
    });
    const { user } = renderAt(<TicketsPage />);
    await screen.findByRole("heading", { name: "General Admission" });

    await user.type(screen.getByLabelText("Min price"), "20");
    await user.type(screen.getByLabelText("Max price"), "100");
    await waitFor(() => expect(ticketCards()).toHaveLength(2), SETTLE);
    const last = api.requests[api.requests.length - 1].url.searchParams;
    expect([last.get("min_price"), last.get("max_price")]).toEqual(["20", "100"]);
  });

  it("shows the API's 400 message for a bad range, tied to the min price input", async () => {
    catalogueApi((url) =>
      url.searchParams.has("min_price")
        ? json(400, { error: "min_price: must not be greater than max_price", field: "min_price" })
        : json(200, { tickets: TICKETS }),
    );
    const { user } = renderAt(<TicketsPage />);
    await screen.findByRole("heading", { name: "General Admission" });

    await user.type(screen.getByLabelText("Max price"), "10");
    await user.type(screen.getByLabelText("Min price"), "50");
    const message = await screen.findByText("min_price: must not be greater than max_price", {}, SETTLE);
    expect(screen.getByLabelText("Min price")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Min price")).toHaveAttribute("aria-describedby", message.id);
    expect(screen.queryByRole("list", { name: "Tickets" })).not.toBeInTheDocument();
  });

  it("refreshes availability by itself and shows a ticket selling out", async () => {
    let calls = 0;
    catalogueApi(() => {
      calls++;
      const adult = { ...TICKETS[0], available: calls > 2 ? 0 : 5 };
      return json(200, { tickets: [adult] });
    });
    renderAt(<TicketsPage refreshMs={30} />);
    expect(await screen.findByText("Only 5 left")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Sold out" })).toBeDisabled();
  });

  it("shows held tickets apart from sold ones, from the stock ledger", async () => {
    const stock: StockEntry[] = [
      { ticketId: "ga-adult", type: "adult", initial: 200, available: 120, held: 7, sold: 73, drift: 0 },
      { ticketId: "vip-lounge", type: "vip", initial: 50, available: 0, held: 4, sold: 46, drift: 0 },
    ];
    mockFetch({
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /api/system/status": () => json(200, { ...systemStatus(), stock }),
    });
    renderAt(<TicketsPage />);
    expect(await screen.findByTestId("stock-ga-adult")).toHaveTextContent("7 held · 73 sold");
    expect(within(screen.getByTestId("ticket-ga-adult")).getByText("120 available")).toBeInTheDocument();
    const vip = screen.getByTestId("stock-vip-lounge");
    expect(vip).toHaveTextContent("4 held · 46 sold");
    expect(vip).toHaveTextContent(/come back if they are not paid in time/);
    // No ledger entry for this one: nothing made up.
    expect(screen.queryByTestId("stock-ga-child")).not.toBeInTheDocument();
  });

  it("shows no held figures when the ledger has none (an older gateway) or cannot be read", async () => {
    const api = mockFetch({
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /api/system/status": () => json(200, systemStatus()),
    });
    renderAt(<TicketsPage refreshMs={20} />);
    await screen.findByRole("heading", { name: "General Admission" });
    await waitFor(() => expect(api.to("GET", "/api/system/status").length).toBeGreaterThan(0));
    expect(screen.queryByTestId("stock-ga-adult")).not.toBeInTheDocument();
  });

  it("stops asking for the ledger after a definite refusal", async () => {
    const api = mockFetch({
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /api/system/status": () => json(403, { error: "forbidden" }),
    });
    renderAt(<TicketsPage refreshMs={20} />);
    await screen.findByRole("heading", { name: "General Admission" });
    await waitFor(() => expect(api.to("GET", "/api/tickets").length).toBeGreaterThan(3));
    expect(api.to("GET", "/api/system/status")).toHaveLength(1);
    expect(screen.queryByTestId("stock-ga-adult")).not.toBeInTheDocument();
  });
});
