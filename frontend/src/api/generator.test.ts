import { describe, expect, it } from "vitest";
import { json, mockFetch } from "../test/mockFetch";
import { startWorkload, updateWorkloadConfig } from "./generator";

describe("generator calls", () => {
  it("sends the generator's bearer token when there is one", async () => {
    const api = mockFetch({ "POST /workload/start": () => json(200, {}) });
    await startWorkload({ rps: 5 }, "s3cret");
    await startWorkload({ rps: 5 }, null);
    expect(api.requests[0].headers.get("Authorization")).toBe("Bearer s3cret");
    expect(api.requests[1].headers.has("Authorization")).toBe(false);
  });

  it("reads the field of the generator's 400", async () => {
    mockFetch({
      "PUT /workload/config": () => json(400, { error: "profile.steps[1].forS: Input should be greater than 0", field: "profile.steps[1].forS" }),
    });
    await expect(updateWorkloadConfig({ rps: -1 }, null)).rejects.toMatchObject({
      status: 400,
      field: "profile.steps[1].forS",
      message: "profile.steps[1].forS: Input should be greater than 0",
    });
  });
});
