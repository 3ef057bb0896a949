import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import type { CreateOrderRequest } from "../src/api/gateway";
import { expect, test } from "./support";

/** WCAG 2.1 A and AA rules, as axe-core checks them on the rendered page. */
async function expectNoViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const problems = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(problems).toEqual([]);
}

test.describe("accessibility (axe-core, WCAG 2.1 AA)", () => {
  test("tickets page with a filled cart", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("button", { name: /^Add .* to order$/ }).first().click();
    await expect(page.getByRole("complementary", { name: /Your order/ }).getByLabel("Full name")).toBeVisible();
    await expectNoViolations(page);
  });

  test("order page", async ({ page }) => {
    // Placed through the API directly: this test is about the page, not the checkout.
    const response = await page.request.post("/api/orders", {
      data: {
        customer: { name: "Axe Tester", email: "axe@example.com" },
        items: [{ ticketId: (await (await page.request.get("/api/tickets")).json()).tickets[0].id, qty: 1 }],
        paymentMethod: "debit_card",
      } satisfies CreateOrderRequest,
    });
    expect(response.status()).toBe(201);
    const { orderId } = await response.json();
    await page.goto(`/orders/${orderId}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoViolations(page);
  });

  test("load dashboard", async ({ page }) => {
    await page.goto("/load");
    await expect(page.getByTestId("generator-status")).toHaveText(/Stopped|Running/, { timeout: 15_000 });
    await expectNoViolations(page);
  });

  test("keyboard: skip link, then tab to the first ticket's add button", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("button", { name: /^Add .* to order$/ }).first()).toBeVisible();
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("main")).toBeFocused();
    // From the main region, Tab walks the filters and reaches the catalogue's buttons.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      const name = await page.evaluate(() => document.activeElement?.textContent ?? "");
      if (/to order/.test(name)) break;
    }
    const focused = page.locator(":focus");
    await expect(focused).toHaveText(/Add .* to order/);
    // The focus ring is visible: an outline is drawn on the focused control.
    const outline = await focused.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");
  });
});
