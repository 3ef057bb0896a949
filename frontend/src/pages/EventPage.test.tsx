import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { submitOrder } from "../lib/submitOrder";
import { savePass } from "../lib/admission";
import { admittedStatus, catalogueEvent, orderCreated, sale } from "../test/fixtures";
import { json, mockFetch, type RecordedRequest } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { EventPage } from "./EventPage";

const fastSubmit: typeof submitOrder = (order, key, options) =>
  submitOrder(order, key, { ...options, sleep: async () => {} });
const EVENT = catalogueEvent();
const PATH = { path: "/events/:eventId", url: `/events/${EVENT.id}` };

function eventApi(
  event = EVENT,
  orders: ((request: RecordedRequest) => Response)[] = [() => json(201, orderCreated())],
  extra = {},
) {
  return mockFetch({ [`GET /api/events/${event.id}`]: () => json(200, event), "POST /api/orders": orders, ...extra });
}

describe("event page", () => {
  it("shows the event and its tickets with price and availability", async () => {
    eventApi();
    renderAt(<EventPage />, PATH);
    expect(await screen.findByRole("heading", { level: 1, name: "Harbour Lights Festival" })).toBeInTheDocument();
    expect(screen.getByText("Pier 4, Hamburg")).toBeInTheDocument();
    expect(screen.getByTestId("sale-state")).toHaveTextContent("On sale");

    const weekend = screen.getByTestId("ticket-hl-weekend");
    expect(within(weekend).getByText("Only 12 left")).toBeInTheDocument();
    expect(within(weekend).getByText(/119\.50/)).toBeInTheDocument();
    expect(within(screen.getByTestId("ticket-hl-day")).getByText("480 available")).toBeInTheDocument();
    expect(within(screen.getByTestId("ticket-hl-backstage")).getByRole("button", { name: "Sold out" })).toBeDisabled();
    expect(screen.getByRole("link", { name: "Organiser view" })).toHaveAttribute(
      "href",
      "/events/harbour-lights-2027/sales",
    );
  });

  it("places an order for the event's tickets through the checkout and opens the order page", async () => {
    const api = eventApi();
    const { user } = renderAt(<EventPage submit={fastSubmit} />, PATH);
    await user.click(await screen.findByRole("button", { name: "Add Weekend Pass to order" }));
    await user.click(screen.getByRole("button", { name: "Add Weekend Pass to order" }));
    const cart = screen.getByRole("complementary", { name: /Your order/ });
    expect(within(cart).getByLabelText("Order total")).toHaveTextContent("239.00");
    await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
    await user.type(within(cart).getByLabelText("Email"), "ada@example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));

    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    const [post] = api.to("POST", "/api/orders");
    expect(post.body).toMatchObject({ items: [{ ticketId: "hl-weekend", qty: 2 }] });
    // The event's cart is its own: the tickets page's (default event) cart is untouched.
    expect(sessionStorage.getItem("cart")).toBeNull();
  });

  it("shows the gateway's refusal of a closed sale at the top of the form", async () => {
    eventApi(EVENT, [() => json(409, { error: "the sale of harbour-lights-2027 is closed" })]);
    const { user } = renderAt(<EventPage submit={fastSubmit} />, PATH);
    await user.click(await screen.findByRole("button", { name: "Add Day Ticket to order" }));
    const cart = screen.getByRole("complementary", { name: /Your order/ });
    await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
    await user.type(within(cart).getByLabelText("Email"), "ada@example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    expect(await within(cart).findByText("the sale of harbour-lights-2027 is closed")).toBeInTheDocument();
    expect(screen.getByTestId("location")).toHaveTextContent(`/events/${EVENT.id}`);
  });

  it("offers nothing to add while the sale is closed or not open yet", async () => {
    eventApi(catalogueEvent({ saleState: "closed", onSale: false }));
    renderAt(<EventPage />, PATH);
    expect(await screen.findByText(/The sale for this event has closed/)).toBeInTheDocument();
    const day = screen.getByTestId("ticket-hl-day");
    expect(within(day).getByRole("button", { name: "Sale closed" })).toBeDisabled();
  });

  it("says when a scheduled sale opens", async () => {
    eventApi(catalogueEvent({ saleState: "scheduled", saleOpensAt: "2027-06-01T09:00:00Z", onSale: false }));
    renderAt(<EventPage />, PATH);
    expect(await screen.findByText(/^The sale opens at /)).toBeInTheDocument();
    expect(within(screen.getByTestId("ticket-hl-day")).getByRole("button", { name: "Not on sale yet" })).toBeDisabled();
  });

  it("follows availability as it changes", async () => {
    let calls = 0;
    mockFetch({
      [`GET /api/events/${EVENT.id}`]: () => {
        calls++;
        const [day, ...rest] = EVENT.tickets;
        return json(200, { ...EVENT, tickets: [{ ...day, available: calls > 2 ? 0 : 3 }, ...rest] });
      },
    });
    renderAt(<EventPage refreshMs={20} />, PATH);
    const day = await screen.findByTestId("ticket-hl-day");
    expect(within(day).getByText("Only 3 left")).toBeInTheDocument();
    expect(await within(day).findByRole("button", { name: "Sold out" })).toBeDisabled();
  });

  it("says plainly that an unknown event does not exist, and stops asking", async () => {
    const api = mockFetch({ "GET /api/events/nope": () => json(404, { error: "event 'nope' not found" }) });
    renderAt(<EventPage refreshMs={20} />, { path: "/events/:eventId", url: "/events/nope" });
    expect(await screen.findByRole("heading", { level: 1, name: "We could not find this event" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Browse events" })).toHaveAttribute("href", "/events");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.to("GET", "/api/events/nope")).toHaveLength(1);
  });

  it("sends a visitor without a pass into the waiting room of this event's sale", async () => {
    eventApi(EVENT, undefined, {
      "GET /api/sales": () => json(200, { sales: [sale({ saleId: EVENT.id, room: { state: "open" } })] }),
    });
    renderAt(<EventPage />, PATH);
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/events/${EVENT.id}/queue`));
  });

  it("finds its own sale among every event's, not only the default one", async () => {
    eventApi(EVENT, undefined, {
      "GET /api/sales": () =>
        json(200, {
          sales: [sale({ saleId: "aurora-2027" }), sale({ saleId: EVENT.id, room: { state: "open" } })],
        }),
    });
    renderAt(<EventPage />, PATH);
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/events/${EVENT.id}/queue`));
  });

  it("sends this event's pass with its order, and stays on the page with it", async () => {
    savePass(admittedStatus({ saleId: EVENT.id, admissionToken: "event-pass" }));
    const api = eventApi(EVENT, undefined, {
      "GET /api/sales": () =>
        json(200, {
          sales: [sale({ saleId: "aurora-2027" }), sale({ saleId: EVENT.id, room: { state: "open" } })],
        }),
    });
    const { user } = renderAt(<EventPage submit={fastSubmit} />, PATH);
    await user.click(await screen.findByRole("button", { name: "Add Day Ticket to order" }));
    const cart = screen.getByRole("complementary", { name: /Your order/ });
    await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
    await user.type(within(cart).getByLabelText("Email"), "ada@example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(api.to("POST", "/api/orders")).toHaveLength(1));
    expect(api.to("POST", "/api/orders")[0].headers.get("Admission-Token")).toBe("event-pass");
  });

  it("does not send a visitor to another sale's waiting room", async () => {
    const api = eventApi(EVENT, undefined, {
      "GET /api/sales": () => json(200, { sales: [sale({ saleId: "aurora-2027", room: { state: "open" } })] }),
    });
    renderAt(<EventPage />, PATH);
    await screen.findByRole("heading", { level: 1, name: "Harbour Lights Festival" });
    await waitFor(() => expect(api.to("GET", "/api/sales")).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 0)); // the answer's effects run
    expect(screen.getByTestId("location")).toHaveTextContent(`/events/${EVENT.id}`);
  });

  it("sends a waiting-room pass only with an order for the pass's own sale", async () => {
    savePass(admittedStatus()); // a pass for aurora-2027
    const api = eventApi();
    const { user } = renderAt(<EventPage submit={fastSubmit} />, PATH);
    await user.click(await screen.findByRole("button", { name: "Add Day Ticket to order" }));
    const cart = screen.getByRole("complementary", { name: /Your order/ });
    await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
    await user.type(within(cart).getByLabelText("Email"), "ada@example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(api.to("POST", "/api/orders")).toHaveLength(1));
    expect(api.to("POST", "/api/orders")[0].headers.get("Admission-Token")).toBeNull();
  });

  it("links a refused pass back to this event's line, not the default sale's", async () => {
    savePass(admittedStatus({ saleId: EVENT.id }));
    eventApi(EVENT, [() => json(429, { error: "Admission-Token: its 2 orders are used up; join the queue again" })]);
    const { user } = renderAt(<EventPage submit={fastSubmit} />, PATH);
    await user.click(await screen.findByRole("button", { name: "Add Day Ticket to order" }));
    const cart = screen.getByRole("complementary", { name: /Your order/ });
    await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
    await user.type(within(cart).getByLabelText("Email"), "ada@example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    expect(await within(cart).findByRole("link", { name: "Go to the waiting room" })).toHaveAttribute(
      "href",
      `/events/${EVENT.id}/queue`,
    );
  });
});
