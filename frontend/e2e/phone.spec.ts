import { expect, saveScreenshot, test } from "./support";

test.use({ viewport: { width: 375, height: 800 } });

/** True if the page is wider than the screen, i.e. the person has to scroll sideways. */
const overflowsSideways = () => document.documentElement.scrollWidth > window.innerWidth;

test.describe("on a 375 px phone screen", () => {
  test("the tickets page fits, and the checkout bar leads to the cart", async ({ page }) => {
    await page.goto("/");
    await page.evaluate(() => sessionStorage.clear());
    await page.getByRole("button", { name: /^Add .* to order$/ }).first().click();
    expect(await page.evaluate(overflowsSideways)).toBe(false);
    const bar = page.getByRole("link", { name: /^Checkout · 1 ticket/ });
    await expect(bar).toBeVisible();
    await bar.click();
    await expect(page.getByRole("complementary", { name: /Your order/ }).getByLabel("Full name")).toBeInViewport();
    await saveScreenshot(page, "tickets-phone");
  });

  test("the dashboard fits", async ({ page }) => {
    await page.goto("/load");
    await expect(page.getByTestId("generator-status")).toHaveText(/Stopped|Running/, { timeout: 15_000 });
    await expect(page.getByTestId("chart-stock")).toContainText(/tickets left/);
    expect(await page.evaluate(overflowsSideways)).toBe(false);
    await saveScreenshot(page, "load-phone");
  });
});
