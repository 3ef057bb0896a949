import type { Page } from "@playwright/test";
import { expect, ORDER_URL, saveScreenshot, test } from "./support";

async function addFirstTickets(page: Page, count: number): Promise<void> {
  await page.goto("/");
  const addButtons = page.getByRole("button", { name: /^Add .* to order$/ });
  await expect(addButtons.first()).toBeVisible();
  for (let i = 0; i < count; i++) await addButtons.nth(i).click();
}

test.describe("checkout and order", () => {
  test.beforeEach(async ({ page }) => {
    // Start each test with an empty cart (it is kept in sessionStorage).
    await page.goto("/");
    await page.evaluate(() => sessionStorage.clear());
  });

  test("buys tickets and watches the order become confirmed", async ({ page }) => {
    await addFirstTickets(page, 2);
    const cart = page.getByRole("complementary", { name: /Your order/ });
    await cart.getByRole("button", { name: /^One more / }).first().click();

    // The total shown before submitting is the sum of the lines at catalogue prices.
    const lineTotals = await cart.locator(".cart-line__total").allTextContents();
    const sum = lineTotals.map((t) => Number(t.replace(/[^0-9.]/g, ""))).reduce((a, b) => a + b, 0);
    const total = await cart.getByLabel("Order total").textContent();
    expect(Number(total!.replace(/[^0-9.]/g, ""))).toBeCloseTo(sum, 2);
    await expect(cart.getByText("(3 tickets)")).toBeVisible();

    await cart.getByLabel("Full name").fill("Ada Lovelace");
    await cart.getByLabel("Email").fill("ada@example.com");
    await cart.getByRole("radio", { name: "PayPal" }).check();
    // The approving test card: without one, the payment provider's usual mix may decline the order.
    await cart.getByRole("button", { name: /^Use test card 4242 4242 4242 4242/ }).click();
    await expect(cart.getByLabel(/Card number/)).toHaveValue("4242 4242 4242 4242");
    await saveScreenshot(page, "checkout");

    await cart.getByRole("button", { name: /^Place order/ }).click();
    await expect(page).toHaveURL(ORDER_URL);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // Decided by the order worker; the page follows it without a reload.
    await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible({
      timeout: 30_000,
    });
    await expect(page.getByText("Ada Lovelace")).toBeVisible();
    await expect(page.getByText("PayPal")).toBeVisible();
    await saveScreenshot(page, "order");

    // The page is shareable: opening its address fresh shows the same order.
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible();
  });

  test("shows the gateway's validation error next to the email field", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 400/); // the rejected submit is the point of this test
    await addFirstTickets(page, 1);
    const cart = page.getByRole("complementary", { name: /Your order/ });
    await cart.getByLabel("Full name").fill("Ada Lovelace");
    await cart.getByLabel("Email").fill("not-an-email");
    await cart.getByRole("button", { name: /^Place order/ }).click();

    const email = cart.getByLabel("Email");
    await expect(email).toHaveAttribute("aria-invalid", "true");
    const describedBy = await email.getAttribute("aria-describedby");
    await expect(page.locator(`#${describedBy}`)).toContainText(/not a valid email address/);
    await expect(page).toHaveURL(/\/$/);
  });

  test("an unknown order is shown as not found", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 404/);
    await page.goto("/orders/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { level: 1, name: "We could not find this order" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Browse tickets" })).toBeVisible();
  });
});
