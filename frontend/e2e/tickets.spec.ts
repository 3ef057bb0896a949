import { expect, saveScreenshot, test } from "./support";

test.describe("tickets page", () => {
  test("lists the catalogue with live availability", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1, name: "Tickets" })).toBeVisible();
    const cards = page.getByRole("list", { name: "Tickets" }).getByRole("article");
    await expect(cards.first()).toBeVisible();
    expect(await cards.count()).toBeGreaterThan(1);
    await expect(cards.first().getByText(/available|left|Sold out/)).toBeVisible();
    await expect(page.getByText(/^Live/)).toBeVisible();
    await saveScreenshot(page, "tickets");
  });

  test("filters by type and price range through the API's query filters", async ({ page }) => {
    await page.goto("/");
    const cards = page.getByRole("list", { name: "Tickets" }).getByRole("article");
    await expect(cards.first()).toBeVisible();
    const all = await cards.count();

    // The type options come from the catalogue; pick the last one and expect only its tickets.
    const typeSelect = page.getByLabel("Ticket type");
    const options = await typeSelect.locator("option").allTextContents();
    const chosen = options[options.length - 1];
    await typeSelect.selectOption({ label: chosen });
    await expect(page).toHaveURL(/[?&]type=/);
    await expect.poll(() => cards.count()).toBeLessThan(all);
    for (const chip of await cards.locator(".chip").allTextContents()) {
      expect(chip.toLowerCase()).toBe(chosen.toLowerCase());
    }

    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => cards.count()).toBe(all);

    // A price window: every price shown lies inside it.
    await page.getByLabel("Min price").fill("50");
    await page.getByLabel("Max price").fill("100");
    await expect(page).toHaveURL(/min_price=50/);
    await expect(page).toHaveURL(/max_price=100/);
    await expect.poll(() => cards.count()).toBeLessThan(all);
    for (const price of await cards.locator(".ticket-card__price").allTextContents()) {
      const value = Number(price.replace(/[^0-9.,]/g, "").replace(",", "."));
      expect(value).toBeGreaterThanOrEqual(50);
      expect(value).toBeLessThanOrEqual(100);
    }
  });

  test("shows the API's message for a bad price range", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 400/); // the gateway's 400 is the point of this test
    await page.goto("/?min_price=500&max_price=10");
    await expect(page.getByText("min_price: must not be greater than max_price")).toBeVisible();
    await expect(page.getByLabel("Min price")).toHaveAttribute("aria-invalid", "true");
    await page.getByLabel("Max price").fill("1000");
    await expect(page.getByText("must not be greater than max_price")).toBeHidden();
    await expect(page.getByRole("list", { name: "Tickets" }).getByRole("article").first()).toBeVisible();
  });
});
