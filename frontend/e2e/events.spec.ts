/**
 * The catalogue of events (issue 17) against the real stack: the events list and its filters, an event's page
 * and an order placed from it through the usual checkout, and the organiser's sales view following an order
 * without a reload. The event is one of the seed's on sale, not the default one (whose sale has the waiting
 * room), so that this spec does not depend on the room's state.
 */
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { expect, ORDER_URL, orderFirstTicketWithTestCard, saveScreenshot, test } from "./support";

/** Decided by the order workers: allow for a busy stack. */
const DECISION = { timeout: 30_000 };
const APPROVING_CARD = "4242424242424242";

interface ListedEvent {
  id: string;
  name: string;
  saleState: string;
  tickets: { id: string; name: string }[];
}

/** An event on sale, other than the waiting room's (the default event), with tickets left, as GET /events/{id} says. */
async function eventOnSale(request: APIRequestContext): Promise<{ event: ListedEvent; ticketId: string }> {
  const response = await request.get("/api/events?onSale=true");
  expect(response.status(), await response.text()).toBe(200);
  const { events } = (await response.json()) as { events: ListedEvent[] };
  // Every event is a sale with a room: leave out the default one (the first) and any whose room is on.
  const { sales } = (await (await request.get("/api/sales")).json()) as {
    sales: { saleId: string; room: { state: string } }[];
  };
  const roomSales = new Set(sales.filter((s, i) => i === 0 || s.room.state !== "off").map((s) => s.saleId));
  for (const event of events.filter((e) => !roomSales.has(e.id))) {
    const detail = (await (await request.get(`/api/events/${encodeURIComponent(event.id)}`)).json()) as {
      tickets: { id: string; available: number }[];
    };
    const ticket = detail.tickets.find((t) => t.available >= 5);
    if (ticket) return { event, ticketId: ticket.id };
  }
  throw new Error("the seed has no event on sale (besides the default) with tickets left");
}

/** The number in one cell of a sales row: sold, held, available or initial. */
async function figure(row: Locator, column: 0 | 1 | 2 | 3): Promise<number> {
  const text = await row.getByRole("cell").nth(column).textContent();
  return Number((text ?? "").replace(/[^0-9]/g, ""));
}

async function expectAccessible(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);
}

test.describe("events", () => {
  test("finds an event by name, opens it and buys a ticket through the checkout", async ({ page }) => {
    const { event } = await eventOnSale(page.request);
    await page.goto("/events");
    await page.evaluate(() => sessionStorage.clear());
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events" }).click();
    await expect(page).toHaveURL(/\/events$/);
    const list = page.getByRole("list", { name: "Events" });
    await expect(list.getByRole("article").first()).toBeVisible();
    expect(await list.getByRole("article").count()).toBeGreaterThan(1);
    await expectAccessible(page);
    await saveScreenshot(page, "events");

    // The name filter goes to the API (q) and into the URL; only matching events stay.
    await page.getByLabel("Event name").fill(event.name);
    await expect(page).toHaveURL(/\?q=/);
    await expect(list.getByRole("article")).toHaveCount(1);
    await page.getByLabel("On sale now").check();
    await expect(page).toHaveURL(/onSale=true/);
    const card = list.getByTestId(`event-${event.id}`);
    await expect(card.getByTestId("sale-state")).toHaveText("On sale");

    await card.getByRole("link", { name: event.name }).click();
    await expect(page).toHaveURL(new RegExp(`/events/${event.id}$`));
    await expect(page.getByRole("heading", { level: 1, name: event.name })).toBeVisible();
    const add = page.getByRole("button", { name: /^Add .* to order$/ });
    await expect(add.first()).toBeVisible();
    await expect(page.getByText(/available|left$/).first()).toBeVisible();
    await expectAccessible(page);
    await saveScreenshot(page, "event");

    await orderFirstTicketWithTestCard(page, "Ada Lovelace", "ada@example.com");

    await expect(page).toHaveURL(ORDER_URL);
    await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible(DECISION);
  });

  test("the organiser's view follows an order's tickets into sold without a reload", async ({ page }) => {
    const { event, ticketId } = await eventOnSale(page.request);
    await page.goto(`/events/${encodeURIComponent(event.id)}/sales`);
    await expect(page.getByRole("heading", { level: 1, name: `Sales: ${event.name}` })).toBeVisible();
    const row = page.getByTestId(`sales-${ticketId}`);
    await expect(row).toBeVisible();
    const soldBefore = await figure(row, 0);
    const initial = await figure(row, 3);
    await expectAccessible(page);

    // An order by API (the same POST the checkout sends), approved by the provider's test card.
    const order = await page.request.post("/api/orders", {
      headers: { "Idempotency-Key": crypto.randomUUID() },
      data: {
        customer: { name: "Grace Hopper", email: "grace@example.com" },
        items: [{ ticketId, qty: 2 }],
        paymentMethod: "credit_card",
        card: { number: APPROVING_CARD },
      },
    });
    expect(order.status(), await order.text()).toBe(201);

    await expect.poll(() => figure(row, 0), DECISION).toBeGreaterThanOrEqual(soldBefore + 2);
    // The three figures still account for the whole stock.
    const [sold, held, available] = [await figure(row, 0), await figure(row, 1), await figure(row, 2)];
    expect(sold + held + available).toBe(initial);
    await saveScreenshot(page, "event-sales");
  });
});

test.describe("events on a 375 px phone screen", () => {
  test.use({ viewport: { width: 375, height: 800 } });
  /** True if the page is wider than the screen, i.e. the person has to scroll sideways. */
  const overflowsSideways = () => document.documentElement.scrollWidth > window.innerWidth;

  test("the events list, an event and its sales fit the screen", async ({ page }) => {
    const { event } = await eventOnSale(page.request);
    await page.goto("/events");
    await expect(page.getByRole("list", { name: "Events" }).getByRole("article").first()).toBeVisible();
    expect(await page.evaluate(overflowsSideways)).toBe(false);
    await saveScreenshot(page, "events-phone");

    await page.goto(`/events/${encodeURIComponent(event.id)}`);
    await expect(page.getByRole("button", { name: /^Add .* to order$/ }).first()).toBeVisible();
    expect(await page.evaluate(overflowsSideways)).toBe(false);

    // The sales table may scroll inside its card; the page itself must not.
    await page.goto(`/events/${encodeURIComponent(event.id)}/sales`);
    await expect(page.getByTestId("sales-totals")).toBeVisible();
    expect(await page.evaluate(overflowsSideways)).toBe(false);
    await saveScreenshot(page, "event-sales-phone");
  });
});
