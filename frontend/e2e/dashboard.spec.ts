import type { Locator, Page } from "@playwright/test";
import { expect, saveScreenshot, test } from "./support";

function tile(page: Page, label: string): Locator {
  return page.getByTestId("key-figures").locator(".stat").filter({ has: page.locator("dt", { hasText: label }) });
}

async function tileNumber(page: Page, label: string): Promise<number> {
  const text = (await tile(page, label).locator(".stat__value").textContent()) ?? "";
  const digits = text.replace(/[^0-9.]/g, "");
  return digits ? Number(digits) : 0;
}

test.describe("load and autoscaling dashboard", () => {
  // A generator started with WORKLOAD_TOKEN needs it for start/stop: hand it to the page the
  // way a person would have pasted it (the tab's sessionStorage).
  test.beforeEach(async ({ page }) => {
    const token = process.env.WORKLOAD_TOKEN;
    if (token) await page.addInitScript((t) => sessionStorage.setItem("workload-generator-token", t), token);
  });

  test("starts a short low-rate load, shows it live, and stops it", async ({ page }) => {
    await page.goto("/load");
    await expect(page.getByRole("heading", { level: 1, name: "Load & autoscaling" })).toBeVisible();
    const status = page.getByTestId("generator-status");
    await expect(status).toHaveText(/Stopped|Running/, { timeout: 15_000 });

    // Leave no run from before in the way.
    if (/Running/.test((await status.textContent()) ?? "")) {
      await page.getByRole("button", { name: "Stop" }).click();
      await expect(status).toHaveText(/Stopped/);
    }
    await page.getByLabel("Traffic shape").selectOption("constant");
    await page.getByLabel("Rate (requests per second)").fill("20");
    await page.getByLabel("Stop after (seconds, optional)").fill("10");
    await page.getByRole("button", { name: "Start load" }).click();
    await expect(status).toHaveText(/Running/);
    await expect(tile(page, "Target rate")).toContainText("20 rps");

    // Counters move while it runs...
    await expect.poll(() => tileNumber(page, "Requests sent"), { timeout: 8_000 }).toBeGreaterThan(0);
    const sentEarly = await tileNumber(page, "Requests sent");
    await expect.poll(() => tileNumber(page, "Requests sent"), { timeout: 8_000 }).toBeGreaterThan(sentEarly);
    await expect.poll(() => tileNumber(page, "Achieved rate"), { timeout: 8_000 }).toBeGreaterThan(0);
    await expect.poll(() => tileNumber(page, "Confirmed (followed sample)"), { timeout: 10_000 }).toBeGreaterThan(0);

    // ...and so do the charts: a few seconds in, the achieved-rate line has several points.
    await expect(status).toHaveText(/Running · ([4-9]|\d{2,}) s|Stopped/, { timeout: 10_000 });
    const throughput = page.getByTestId("chart-throughput");
    await expect(throughput).toContainText(/Now [\d.]+ achieved of 20 target/);
    await expect
      .poll(async () => ((await throughput.locator(".recharts-line-curve").last().getAttribute("d")) ?? "").split(/[LC]/).length)
      .toBeGreaterThan(2);
    await expect(page.getByTestId("chart-latency")).toContainText(/p50 \d+ ms/);
    await expect(page.getByTestId("chart-outcomes")).toContainText(/[\d.]+ confirmed/);
    // Running processes from a gateway with the heartbeat registry (issue 12), else the group's consumers.
    await expect(page.getByTestId("workers")).toContainText(/[1-9]\d* running process|[1-9]\d* active of \d+ seen/);
    await expect(page.getByTestId("chart-workers")).toContainText(/Now [1-9]\d* (order-worker replica|running worker|active)/);
    await expect(page.getByTestId("chart-stock")).toContainText(/tickets left, [\d,]+ held, [\d,]+ sold/);
    await saveScreenshot(page, "load");

    const stop = page.getByRole("button", { name: "Stop" });
    if (await stop.isEnabled()) await stop.click();
    await expect(status).toHaveText(/Stopped/, { timeout: 15_000 });
    const sentAfterStop = await tileNumber(page, "Requests sent");
    expect(sentAfterStop).toBeGreaterThan(0);
  });

  test("shows the scaling panel: the replicas' source, or why there is none", async ({ page, consoleErrors }) => {
    // A gateway from before issue 12 has no GET /system/scaling; the page says so instead of failing.
    consoleErrors.allow(/status of 404.*@ .*\/api\/system\/scaling/);
    consoleErrors.allow(/status of 404.*@ .*\/workload\/scenarios/);
    await page.goto("/load");
    const source = page.getByTestId("scaling-source");
    await expect(source).toHaveText(
      /Replicas from the (local autoscaler \(make up\)|Kubernetes HPA)|no autoscaler: .+|has no scaling view/,
      { timeout: 15_000 },
    );
    if (/^Replicas from/.test((await source.textContent()) ?? "")) {
      const worker = page.getByTestId("scaling-order-worker");
      await expect(worker.getByTestId("replicas-current")).toHaveText(/^\d+$/);
      await expect(worker.getByTestId("replicas-desired")).toHaveText(/^\d+$/);
      await expect(worker.getByTestId("scaling-metric")).toContainText(/lag .*per worker/);
      await expect(page.getByTestId("scaling-events")).toBeVisible();
    }
    await expect(page.getByTestId("autoscaling-demo").getByRole("button", { name: "Run the autoscaling demo" })).toBeVisible();
  });

  test("shows the load generator as unreachable rather than failing", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 502/);
    // Simulate the generator being down at the proxy: the page must degrade, not crash.
    await page.route("**/workload/**", (route) =>
      route.fulfill({ status: 502, contentType: "application/json", body: '{"error": "load generator unreachable"}' }),
    );
    await page.goto("/load");
    await expect(page.getByTestId("generator-status")).toHaveText("Load generator unreachable");
    await expect(page.getByRole("button", { name: "Start load" })).toBeDisabled();
    await expect(page.getByTestId("chart-stock")).toContainText(/tickets left/);
  });
});
