import { expect, test } from "./support";

// The services' interactive docs, reached through the web app's proxy under its Content-Security-Policy
// (script-src 'self'): they must render from the project's own assets, with no CDN and no inline script.
for (const { path, title } of [
  { path: "/api/docs", title: "Ticket Purchase API" },
  { path: "/workload/docs", title: "Workload generator" },
]) {
  test(`${path} renders Swagger UI through nginx, offline and under the CSP`, async ({ page, baseURL }) => {
    const origin = new URL(baseURL ?? "http://127.0.0.1:8080").origin;
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    const external: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).origin !== origin) external.push(request.url());
    });
    await page.goto(path);
    await expect(page.locator(".swagger-ui .info .title")).toContainText(title);
    // An operation from the document is listed, so the document itself was fetched through the proxy.
    await expect(page.locator(".opblock").first()).toBeVisible();
    expect(blocked).toEqual([]);
    expect(external.filter((url) => !url.startsWith("data:"))).toEqual([]);
  });
}
