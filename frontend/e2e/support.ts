import { expect, type Page, test as base } from "@playwright/test";
import path from "node:path";

export { expect };

/** An order page's address: a plain UUID on shard 0, `s<k>-<uuid>` on the others (issue 17). */
export const ORDER_URL = /\/orders\/(s\d+-)?[0-9a-f-]{36}$/;

/** Adds the page's first ticket to the cart and places the order, paid with the approving test card. */
export async function orderFirstTicketWithTestCard(page: Page, name: string, email: string): Promise<void> {
  await page.getByRole("button", { name: /^Add .* to order$/ }).first().click();
  const cart = page.getByRole("complementary", { name: /Your order/ });
  await cart.getByLabel("Full name").fill(name);
  await cart.getByLabel("Email").fill(email);
  await cart.getByRole("button", { name: /^Use test card 4242 4242 4242 4242/ }).click();
  await cart.getByRole("button", { name: /^Place order/ }).click();
}

/** Where full-page screenshots go: one per page, named after it. */
export const SCREENSHOT_DIR = path.resolve(process.env.SCREENSHOT_DIR || "../test-artifacts/screenshots");

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Collects what the browser reports as errors: console.error, failed resource loads and
 * uncaught exceptions. A test that expects a failing request (e.g. a 404 it provokes)
 * allows it explicitly with `allow`.
 */
export class ConsoleErrors {
  private readonly errors: string[] = [];
  private readonly allowed: RegExp[] = [];

  constructor(page: Page) {
    page.on("console", (message) => {
      if (message.type() === "error") this.errors.push(`${message.text()} @ ${message.location().url}`);
    });
    page.on("pageerror", (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  unexpected(): string[] {
    return this.errors.filter((e) => !this.allowed.some((p) => p.test(e)));
  }
}

export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
  // auto: every test ends by checking the console, so no page can log an error unnoticed.
  consoleErrors: [
    async ({ page }, use) => {
      const errors = new ConsoleErrors(page);
      await use(errors);
      expect(errors.unexpected(), "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});
