import { describe, expect, it } from "vitest";
import { autoscalingScenario, scalingStatus } from "../test/dashboardFixtures";
import { json, mockFetch } from "../test/mockFetch";
import { getScaling, resetDemo } from "./gateway";
import { getScenarios, startScenario } from "./generator";

describe("issue-12 calls", () => {
  it("reads the scaling view from the gateway", async () => {
    mockFetch({ "GET /api/system/scaling": () => json(200, scalingStatus()) });
    expect((await getScaling()).targets.map((t) => t.name)).toEqual(["order-worker", "api-gateway"]);
  });

  it("resets the demo with the bearer token, and without a header when there is none", async () => {
    const api = mockFetch({ "POST /api/system/reset": () => json(200, { deleted: 12 }) });
    expect(await resetDemo("t0ken")).toEqual({ deleted: 12 });
    await resetDemo(null);
    expect(api.requests[0].headers.get("Authorization")).toBe("Bearer t0ken");
    expect(api.requests[1].headers.get("Authorization")).toBeNull();
  });

  it("surfaces the reset's 401 and 403 as ApiErrors with their status", async () => {
    mockFetch({
      "POST /api/system/reset": [
        () => json(401, { error: "missing or wrong bearer token" }),
        () => json(403, { error: "only loopback callers may reset" }),
      ],
    });
    await expect(resetDemo(null)).rejects.toMatchObject({ status: 401 });
    await expect(resetDemo(null)).rejects.toMatchObject({ status: 403, message: "only loopback callers may reset" });
  });

  it("starts a scenario by name", async () => {
    const api = mockFetch({ "POST /workload/start": () => json(200, {}) });
    await startScenario("autoscaling-demo", "tok");
    expect(api.requests[0].body).toEqual({ scenario: "autoscaling-demo" });
    expect(api.requests[0].headers.get("Authorization")).toBe("Bearer tok");
  });

  it("lists the scenarios the generator offers", async () => {
    mockFetch({ "GET /workload/scenarios": () => json(200, { scenarios: [autoscalingScenario()] }) });
    expect((await getScenarios(null)).map((s) => s.name)).toEqual(["autoscaling-demo"]);
  });
});
