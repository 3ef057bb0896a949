/**
 * Reserve, pay, confirm (issue 13) through the web UI, against the real stack: gateway, order workers with
 * WORKER_PAYMENT_PROVIDER_URL set, the payment provider, nginx. Kept apart from checkout.spec.ts because it
 * needs the lifecycle backend: against a gateway without it, POST /orders refuses `payLater` (400).
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, ORDER_URL, saveScreenshot, test } from "./support";

/** Decided by the order workers and the payment provider: allow for a busy stack and a few retries. */
const DECISION = { timeout: 30_000 };

async function holdFirstTicket(page: Page, name: string): Promise<void> {
  await page.goto("/");
  await page.evaluate(() => sessionStorage.clear());
  await page.goto("/");
  await page.getByRole("button", { name: /^Add .* to order$/ }).first().click();
  const cart = page.getByRole("complementary", { name: /Your order/ });
  await cart.getByLabel("Full name").fill(name);
  await cart.getByLabel("Email").fill("lifecycle@example.com");
  await cart.getByRole("checkbox", { name: "Pay later (hold my tickets)" }).check();
  await cart.getByRole("button", { name: /^Hold my tickets/ }).click();
  await expect(page).toHaveURL(ORDER_URL);
  await expect(page.getByRole("heading", { level: 1, name: "Your tickets are held" })).toBeVisible(DECISION);
}

test.describe("pay later: hold, then pay or cancel", () => {
  test("holds tickets, shows the countdown, pays with the approving test card and ends confirmed", async ({ page }) => {
    await holdFirstTicket(page, "Ada Holder");
    await expect(page.getByRole("timer")).toHaveText(/^\d+:\d\d(:\d\d)?$/);
    await expect(page.getByRole("listitem").filter({ hasText: "Waiting for payment" })).toHaveAttribute(
      "aria-current",
      "step",
    );
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(axe.violations.map((v) => v.id)).toEqual([]);
    await saveScreenshot(page, "order-held");

    await page.getByRole("button", { name: /^Use test card 4242 4242 4242 4242/ }).click();
    await page.getByRole("button", { name: /^Pay now/ }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible(DECISION);
    await expect(page.getByTestId("payment-outcome")).toHaveText(/^Approved after \d+ attempts?/);
    await expect(page.getByRole("button", { name: /^Pay now/ })).toHaveCount(0);
    await saveScreenshot(page, "order-paid");

    // Paid is final: the page shows the same after a reload.
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeVisible();
  });

  test("a declined test card ends in payment_failed with the tickets released", async ({ page }) => {
    await holdFirstTicket(page, "Dee Clined");
    await page.getByRole("button", { name: /^Use test card 4000 0000 0000 0002/ }).click();
    await page.getByRole("button", { name: /^Pay now/ }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your payment did not go through" })).toBeVisible(DECISION);
    await expect(page.getByText(/Your card was declined, so nothing was charged/)).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: "Tickets released" })).toBeVisible();
  });

  test("cancelling a hold releases the tickets, and paying afterwards is refused with 409", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 409/);
    await holdFirstTicket(page, "Can Celled");
    const orderId = page.url().split("/").pop()!;
    await page.getByRole("button", { name: "Cancel order" }).click();
    await page.getByRole("button", { name: "Yes, release my tickets" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your order is cancelled" })).toBeVisible(DECISION);
    await expect(page.getByText(/You cancelled this order/)).toBeVisible();

    const late = await page.request.post(`/api/orders/${orderId}/payment`, { data: { paymentMethod: "paypal" } });
    expect(late.status()).toBe(409);
  });
});
