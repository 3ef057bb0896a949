import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { catalogueEvent, eventSales } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { EventSalesPage } from "./EventSalesPage";

const EVENT = catalogueEvent();
const PATH = { path: "/events/:eventId/sales", url: `/events/${EVENT.id}/sales` };
const SALES = `/api/events/${EVENT.id}/sales`;

/** The event's own record (name, venue) beside the sales answers a test gives. */
function salesApi(routes: Parameters<typeof mockFetch>[0]) {
  return mockFetch({ [`GET /api/events/${EVENT.id}`]: () => json(200, EVENT), ...routes });
}

const cells = (testId: string) =>
  within(screen.getByTestId(testId))
    .getAllByRole("cell")
    .map((cell) => cell.textContent);

describe("organiser's sales view", () => {
  it("shows sold, held and available per ticket type and in total", async () => {
    salesApi({ [`GET ${SALES}`]: () => json(200, eventSales()) });
    renderAt(<EventSalesPage />, PATH);
    expect(await screen.findByRole("heading", { level: 1, name: "Sales: Harbour Lights Festival" })).toBeInTheDocument();
    await screen.findByTestId("sales-hl-day");
    // sold, held, available, initial, then the bar's caption
    expect(cells("sales-hl-day")).toEqual(["15", "5", "480", "500", "3% sold"]);
    expect(cells("sales-hl-weekend")).toEqual(["80", "8", "12", "100", "80% sold"]);
    expect(cells("sales-totals")).toEqual(["95", "13", "492", "600", "16% sold"]);
    expect(within(screen.getByTestId("sales-hl-day")).getByRole("rowheader")).toHaveTextContent("Day Ticket");
  });

  it("updates by itself as tickets are held and sold", async () => {
    const before = eventSales();
    const later = eventSales({
      tickets: [{ ...before.tickets[0], available: 470, held: 10, sold: 20 }, before.tickets[1]],
      totals: { initial: 600, available: 482, held: 18, sold: 100 },
    });
    const api = salesApi({ [`GET ${SALES}`]: [() => json(200, before), () => json(200, later)] });
    renderAt(<EventSalesPage refreshMs={20} />, PATH);
    await screen.findByTestId("sales-hl-day");
    await waitFor(() => expect(cells("sales-hl-day")).toEqual(["20", "10", "470", "500", "4% sold"]));
    expect(cells("sales-totals").slice(0, 3)).toEqual(["100", "18", "482"]);
    expect(api.to("GET", SALES).length).toBeGreaterThan(1);
  });

  it("asks for the admin token on 401 and polls again with it", async () => {
    const api = salesApi({
      [`GET ${SALES}`]: (request) =>
        request.headers.get("Authorization") === "Bearer s3cret"
          ? json(200, eventSales())
          : json(401, { error: "a bearer token is required" }),
    });
    const { user } = renderAt(<EventSalesPage />, PATH);
    await user.type(await screen.findByLabelText("Access token"), "s3cret");
    await user.click(screen.getByRole("button", { name: "Use token" }));
    expect(await screen.findByTestId("sales-hl-day")).toBeInTheDocument();
    expect(screen.queryByLabelText("Access token")).not.toBeInTheDocument();
    expect(api.to("GET", SALES).at(-1)!.headers.get("Authorization")).toBe("Bearer s3cret");
  });

  it("explains a 403 and stops asking", async () => {
    const api = salesApi({ [`GET ${SALES}`]: () => json(403, { error: "control endpoints are loopback-only" }) });
    renderAt(<EventSalesPage refreshMs={20} />, PATH);
    expect(await screen.findByText("control endpoints are loopback-only")).toBeInTheDocument();
    expect(screen.getByText(/Without ADMIN_TOKEN/)).toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.to("GET", SALES)).toHaveLength(1);
  });

  it("says an unknown event does not exist", async () => {
    mockFetch({ "GET /api/events/nope/sales": () => json(404, { error: "event 'nope' not found" }) });
    renderAt(<EventSalesPage />, { path: "/events/:eventId/sales", url: "/events/nope/sales" });
    expect(await screen.findByRole("heading", { level: 1, name: "We could not find this event" })).toBeInTheDocument();
  });
});
