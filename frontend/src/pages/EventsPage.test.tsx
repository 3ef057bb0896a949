import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { EVENTS } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { EventsPage } from "./EventsPage";

/** A filter lands after the 350 ms debounce and a request. */
const SETTLE = { timeout: 5_000 };

function eventsApi() {
  return mockFetch({
    "GET /api/events": (request) => {
      const q = (request.url.searchParams.get("q") ?? "").toLowerCase();
      const onSale = request.url.searchParams.get("onSale") === "true";
      const events = EVENTS.filter((e) => e.name.toLowerCase().includes(q) && (!onSale || e.saleState === "open"));
      return json(200, { events });
    },
  });
}

const eventCards = () => within(screen.getByRole("list", { name: "Events" })).getAllByRole("article");

describe("events page", () => {
  it("lists each event with its name, venue, date and sale state, linking to its page", async () => {
    eventsApi();
    renderAt(<EventsPage />, { path: "/events", url: "/events" });
    const link = await screen.findByRole("link", { name: "Harbour Lights Festival" });
    expect(link).toHaveAttribute("href", "/events/harbour-lights-2027");
    expect(eventCards()).toHaveLength(3);

    const card = screen.getByTestId("event-harbour-lights-2027");
    expect(within(card).getByText("Pier 4, Hamburg")).toBeInTheDocument();
    expect(within(card).getByTestId("sale-state")).toHaveTextContent("On sale");
    expect(card.querySelector("time")).toHaveAttribute("dateTime", "2027-08-14T18:00:00Z");
    expect(within(card).getByText(/^From /)).toHaveTextContent("59.00");
    expect(within(screen.getByTestId("event-quiet-strings")).getByTestId("sale-state")).toHaveTextContent(
      /^Sale opens /,
    );
  });

  it("says when an event's date is not announced yet", async () => {
    mockFetch({ "GET /api/events": () => json(200, { events: [{ ...EVENTS[1], startsAt: null }] }) });
    renderAt(<EventsPage />, { path: "/events", url: "/events" });
    const card = await screen.findByTestId("event-harbour-lights-2027");
    expect(within(card).getByText("Date to be announced")).toBeInTheDocument();
    expect(card.querySelector("time")).toBeNull();
  });

  it("filters by name through the API's q parameter, kept in the URL", async () => {
    const api = eventsApi();
    const { user } = renderAt(<EventsPage />, { path: "/events", url: "/events" });
    await screen.findByRole("link", { name: "Harbour Lights Festival" });

    await user.type(screen.getByLabelText("Event name"), "aurora");
    await waitFor(() => expect(eventCards()).toHaveLength(1), SETTLE);
    expect(screen.getByRole("link", { name: "Aurora 2027" })).toBeInTheDocument();
    expect(api.requests.some((r) => r.url.searchParams.get("q") === "aurora")).toBe(true);
    expect(screen.getByTestId("location")).toHaveTextContent("/events?q=aurora");
  });

  it("shows only events on sale with onSale=true, and says when nothing matches", async () => {
    const api = eventsApi();
    const { user } = renderAt(<EventsPage />, { path: "/events", url: "/events?q=quiet" });
    await screen.findByRole("link", { name: "Quiet Strings" });
    expect(screen.getByLabelText("Event name")).toHaveValue("quiet");

    await user.click(screen.getByLabelText("On sale now"));
    expect(await screen.findByText(/No events match these filters/, {}, SETTLE)).toBeInTheDocument();
    const last = api.requests[api.requests.length - 1].url.searchParams;
    expect([last.get("q"), last.get("onSale")]).toEqual(["quiet", "true"]);

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(eventCards()).toHaveLength(3), SETTLE);
  });

  it("keeps trying while the gateway is down, and says so", async () => {
    mockFetch({ "GET /api/events": [() => json(503, { error: "busy" }), () => json(200, { events: EVENTS })] });
    renderAt(<EventsPage refreshMs={20} />, { path: "/events", url: "/events" });
    expect(await screen.findByText("The events could not be loaded")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Aurora 2027" })).toBeInTheDocument();
  });
});
