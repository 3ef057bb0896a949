import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TICKETS } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { TicketsPage } from "./TicketsPage";

function catalogueApi(answer: (url: URL) => Response = () => json(200, { tickets: TICKETS })) {
  return mockFetch({ "GET /api/tickets": (request) => answer(request.url) });
}

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
    await waitFor(() => expect(ticketCards()).toHaveLength(1));
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
    await waitFor(() => expect(ticketCards()).toHaveLength(2));
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
    const message = await screen.findByText("min_price: must not be greater than max_price");
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
});
