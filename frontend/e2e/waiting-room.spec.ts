import type { APIRequestContext, Locator } from "@playwright/test";
import { expect, ORDER_URL, orderFirstTicketWithTestCard, saveScreenshot, test } from "./support";

// The waiting room end to end: the room is opened through the operator API (loopback, as the stack's
// nginx relays it), a few visitors queue ahead by API, and the browser joins, watches its place fall, is
// let in, buys and sees the order confirmed, without a reload. The room is put back to `off` whatever
// happens, so that the other specs (which buy directly) do not depend on running before this one.

/** Slow enough to watch the place fall one by one, fast enough for a short test: one in every ~2.5 s. */
const RATE = 0.4;
const AHEAD = 3;
/** The gateway's RoomCache ttl (api_gateway/waiting_room.py). */
const ROOM_CACHE_S = 1;

async function saleId(request: APIRequestContext): Promise<string> {
  const response = await request.get("/api/sales");
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { sales: { saleId: string }[] };
  expect(body.sales.length).toBeGreaterThan(0);
  return body.sales[0].saleId;
}

async function setRoom(request: APIRequestContext, sale: string, settings: Record<string, unknown>) {
  const response = await request.put(`/api/sales/${encodeURIComponent(sale)}/room`, { data: settings });
  expect(response.status(), await response.text()).toBe(200);
}

/** The number shown in a figure, or null once it is gone (the visitor was let in). */
async function shownNumber(figure: Locator): Promise<number | null> {
  const text = await figure.textContent({ timeout: 500 }).catch(() => null);
  const value = Number((text ?? "").replace(/[^0-9]/g, ""));
  return text && Number.isFinite(value) ? value : null;
}

test.describe("waiting room", () => {
  test("joins the line, watches the place fall, is let in, buys and sees the order confirmed", async ({ page }) => {
    test.setTimeout(120_000);
    const request = page.request;
    const sale = await saleId(request);
    const ahead: string[] = [];
    try {
      // Paused: joining works, nobody is let in yet, so the visitors ahead stay ahead.
      await setRoom(request, sale, { state: "paused", mode: "fixed", rate: RATE, opensAt: null });
      for (let i = 0; i < AHEAD; i++) {
        const joined = await request.post(`/api/sales/${encodeURIComponent(sale)}/queue`, { data: {} });
        expect(joined.status()).toBe(201);
        ahead.push(((await joined.json()) as { visitorId: string }).visitorId);
      }

      // The shop sends a visitor without a pass into the line.
      await page.goto("/");
      await expect(page).toHaveURL(/\/queue$/);
      await expect(page.getByRole("heading", { level: 1, name: "You are in the waiting room" })).toBeVisible();
      const position = page.getByTestId("queue-position");
      await expect(position).toHaveText(/^\d+$/);
      const first = (await shownNumber(position))!;
      expect(first).toBeGreaterThan(AHEAD);
      await expect(page.getByTestId("queue-ahead")).toHaveText(String(first - 1));
      await expect(page.getByText("Letting people in is paused for a moment.")).toBeVisible();
      await saveScreenshot(page, "waiting-room");

      // Reloading keeps the place: the visitor id is kept in localStorage.
      await page.reload();
      await expect(position).toHaveText(String(first));

      await setRoom(request, sale, { state: "open" });
      // The place falls while still waiting (pushed, or polled if the channel failed), and the bar moves.
      await expect.poll(() => shownNumber(position), { timeout: 30_000 }).toBeLessThan(first);
      await expect
        .poll(async () => Number(await page.getByRole("progressbar").getAttribute("aria-valuenow", { timeout: 500 })))
        .toBeGreaterThan(0);

      // Let in: the pass is fetched and the shop opens by itself.
      await expect(page).toHaveURL(/\/$/, { timeout: 45_000 });
      await expect(page.getByText(/You are in: your pass from the waiting room is valid/)).toBeVisible();

      const add = page.getByRole("button", { name: /^Add .* to order$/ });
      await expect(add.first()).toBeVisible();
      await orderFirstTicketWithTestCard(page, "Grace Hopper", "grace@example.com");

      await expect(page).toHaveURL(ORDER_URL);
      await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible({
        timeout: 30_000,
      });
      await saveScreenshot(page, "waiting-room-order");
    } finally {
      for (const visitor of ahead) {
        await request.delete(`/api/sales/${encodeURIComponent(sale)}/queue/${visitor}`).catch(() => undefined);
      }
      await setRoom(request, sale, { state: "off" });
      // Intake reads the room's state at most ROOM_CACHE_S old in each gateway process: the next spec's
      // orders must not meet a room that is still on there.
      await page.waitForTimeout(ROOM_CACHE_S * 1000 + 500);
    }
  });

  test("the shop needs no waiting room while it is off", async ({ page }) => {
    const sale = await saleId(page.request);
    await setRoom(page.request, sale, { state: "off" });
    await page.goto("/queue");
    await expect(page.getByRole("heading", { level: 1, name: "No waiting needed" })).toBeVisible();
    await page.getByRole("link", { name: "Go to the tickets" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("button", { name: /^Add .* to order$/ }).first()).toBeVisible();
  });

  // fixme: in the whole stack the event page stays on /events/<id> although GET /sales shows that event's
  // room open (the API tests and the page's Vitest pass); the cause is not found yet. See issue 17's note.
  test.fixme("an event other than the default one sends its buyer through its own line, then lets them buy", async ({
    page,
  }) => {
    test.setTimeout(60_000);
    const request = page.request;
    const { sales } = (await (await request.get("/api/sales")).json()) as {
      sales: { saleId: string; open: boolean }[];
    };
    // Not the default sale (the first): another event on sale, with tickets.
    const other = sales.slice(1).find((s) => s.open);
    expect(other, "the seed has a second event on sale").toBeTruthy();
    const sale = other!.saleId;
    try {
      await setRoom(request, sale, { state: "open", mode: "fixed", rate: 50, opensAt: null });
      await page.goto(`/events/${encodeURIComponent(sale)}`);
      // Into this event's line (not the default sale's), let in at once, and back to the event's page.
      await expect(page).toHaveURL(new RegExp(`/events/${sale}/queue$`));
      await expect(page).toHaveURL(new RegExp(`/events/${sale}$`), { timeout: 20_000 });
      await expect(page.getByText(/You are in: your pass from the waiting room is valid/)).toBeVisible();
      await orderFirstTicketWithTestCard(page, "Grace Hopper", "grace@example.com");
      await expect(page).toHaveURL(ORDER_URL);
    } finally {
      await setRoom(request, sale, { state: "off" });
      await page.waitForTimeout(ROOM_CACHE_S * 1000 + 500);
    }
  });
});
