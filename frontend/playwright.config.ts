import { defineConfig } from "@playwright/test";

// End-to-end tests run against a stack that is already up (make up, or by hand) at BASE_URL.
// The browser is the OS Chromium: Playwright's own browser downloads are not used.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "./e2e",
  // One stack, shared stock and one load generator: tests run one at a time, in file order.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  globalTimeout: 10 * 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "../test-artifacts/playwright",
  use: {
    baseURL: process.env.BASE_URL || "http://127.0.0.1:8080",
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    viewport: { width: 1280, height: 900 },
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    },
  },
});
