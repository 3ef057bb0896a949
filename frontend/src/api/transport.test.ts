import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "../test/mockFetch";
import { ApiError, NetworkError, request } from "./transport";

describe("transport", () => {
  it("turns an error body into an ApiError with the message and field", async () => {
    mockFetch({ "GET /x": () => json(400, { error: "min_price: must not be greater than max_price", field: "min_price" }) });
    const error = await request("/x").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, field: "min_price", message: "min_price: must not be greater than max_price" });
  });

  it("reads Retry-After from a 503", async () => {
    mockFetch({ "POST /x": () => json(503, { error: "busy" }, { "Retry-After": "2" }) });
    const error = await request("/x", { method: "POST", body: {} }).catch((e) => e);
    expect(error).toMatchObject({ status: 503, retryAfterS: 2, isUnavailable: true, field: null });
  });

  it("reports a body that is not the services' error shape by its status alone", async () => {
    mockFetch({ "GET /x": () => new Response("<html>Bad Gateway</html>", { status: 502 }) });
    await expect(request("/x")).rejects.toMatchObject({ status: 502, message: "the server answered HTTP 502", field: null });
  });

  it("reports a refused connection as a NetworkError", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Failed to fetch"));
    await expect(request("/x")).rejects.toBeInstanceOf(NetworkError);
  });
});
