import { describe, expect, it } from "vitest";
import type { CreateOrderRequest } from "../api/gateway";
import { orderCreated } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { submitOrder } from "./submitOrder";

const ORDER = { customer: { name: "Ada", email: "ada@example.com" }, items: [{ ticketId: "ga-adult", qty: 1 }], paymentMethod: "paypal" } satisfies CreateOrderRequest;
const noWait = async () => {};

describe("submitOrder", () => {
  it("retries a busy gateway (503) with the same Idempotency-Key", async () => {
    const api = mockFetch({
      "POST /api/orders": [
        () => json(503, { error: "the order store is unavailable; retry shortly" }, { "Retry-After": "1" }),
        () => json(201, orderCreated({ orderId: "o-1", grandTotal: 89 })),
      ],
    });
    const created = await submitOrder(ORDER, "key-1", { sleep: noWait });
    expect(created.orderId).toBe("o-1");
    expect(api.requests.map((r) => r.headers.get("Idempotency-Key"))).toEqual(["key-1", "key-1"]);
  });

  it("does not retry a validation error", async () => {
    const api = mockFetch({ "POST /api/orders": () => json(400, { error: "items: bad", field: "items" }) });
    await expect(submitOrder(ORDER, "key-1", { sleep: noWait })).rejects.toMatchObject({ status: 400 });
    expect(api.requests).toHaveLength(1);
  });

  it("gives up after a bounded number of attempts", async () => {
    const api = mockFetch({ "POST /api/orders": () => json(503, { error: "busy" }) });
    await expect(submitOrder(ORDER, "key-1", { sleep: noWait, attempts: 3 })).rejects.toMatchObject({ status: 503 });
    expect(api.requests).toHaveLength(3);
  });
});
