import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "../test/mockFetch";
import { ApiError, createOrder, getWorkloadStats, listTickets, NetworkError, startWorkload, ticketsQuery } from "./client";

describe("api client", () => {
  it("sends the catalogue filters under the API's query names", () => {
    expect(ticketsQuery({ type: "vip", minPrice: "10", maxPrice: "99.5" })).toBe("?type=vip&min_price=10&max_price=99.5");
    expect(ticketsQuery({ type: "", minPrice: "", maxPrice: "" })).toBe("");
  });

  it("turns a 400 into an ApiError with the message and field", async () => {
    mockFetch({ "GET /api/tickets": () => json(400, { error: "min_price: must not be greater than max_price", field: "min_price" }) });
    const error = await listTickets({ minPrice: "9", maxPrice: "1" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, field: "min_price", message: "min_price: must not be greater than max_price" });
  });

  it("reads Retry-After from a 503", async () => {
    mockFetch({ "POST /api/orders": () => json(503, { error: "busy" }, { "Retry-After": "2" }) });
    const error = await createOrder({ customer: { name: "a", email: "a@b.c" }, items: [], paymentMethod: "paypal" }, "k").catch((e) => e);
    expect(error).toMatchObject({ status: 503, retryAfterS: 2, isUnavailable: true });
  });

  it("sends the Idempotency-Key header with an order", async () => {
    const api = mockFetch({ "POST /api/orders": () => json(201, { orderId: "x" }) });
    await createOrder({ customer: { name: "a", email: "a@b.c" }, items: [{ ticketId: "t", qty: 1 }], paymentMethod: "paypal" }, "key-1");
    expect(api.requests[0].headers.get("Idempotency-Key")).toBe("key-1");
    expect(api.requests[0].headers.get("Content-Type")).toBe("application/json");
  });

  it("reports a refused connection as a NetworkError", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Failed to fetch"));
    await expect(getWorkloadStats(null)).rejects.toBeInstanceOf(NetworkError);
  });

  it("sends the generator's bearer token when there is one", async () => {
    const api = mockFetch({ "POST /workload/start": () => json(200, {}) });
    await startWorkload({ rps: 5 }, "s3cret");
    await startWorkload({ rps: 5 }, null);
    expect(api.requests[0].headers.get("Authorization")).toBe("Bearer s3cret");
    expect(api.requests[1].headers.has("Authorization")).toBe(false);
  });

  it("understands FastAPI's own validation answer", async () => {
    mockFetch({ "PUT /workload/config": () => json(422, { detail: [{ loc: ["body", "rps"], msg: "must be positive" }] }) });
    const { updateWorkloadConfig } = await import("./client");
    await expect(updateWorkloadConfig({ rps: -1 }, null)).rejects.toMatchObject({ status: 422, message: "rps: must be positive" });
  });
});
