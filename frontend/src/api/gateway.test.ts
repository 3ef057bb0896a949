import { describe, expect, it } from "vitest";
import { json, mockFetch } from "../test/mockFetch";
import { cancelOrder, createOrder, getOrder, listTickets, PAYMENT_METHODS, payOrder, ticketsQuery } from "./gateway";
import document from "./schema/gateway.openapi.json";

describe("gateway calls", () => {
  it("sends the catalogue filters under the API's query names", () => {
    expect(ticketsQuery({ type: "vip", minPrice: "10", maxPrice: "99.5" })).toBe("?type=vip&min_price=10&max_price=99.5");
    expect(ticketsQuery({ type: "", minPrice: "", maxPrice: "" })).toBe("");
  });

  it("turns a 400 into an ApiError with the message and field", async () => {
    mockFetch({ "GET /api/tickets": () => json(400, { error: "min_price: must not be greater than max_price", field: "min_price" }) });
    await expect(listTickets({ minPrice: "9", maxPrice: "1" })).rejects.toMatchObject({ status: 400, field: "min_price" });
  });

  it("sends the Idempotency-Key header with an order", async () => {
    const api = mockFetch({ "POST /api/orders": () => json(201, { orderId: "x" }) });
    await createOrder({ customer: { name: "a", email: "a@b.c" }, items: [{ ticketId: "t", qty: 1 }], paymentMethod: "paypal" }, "key-1");
    expect(api.requests[0].headers.get("Idempotency-Key")).toBe("key-1");
    expect(api.requests[0].headers.get("Content-Type")).toBe("application/json");
  });

  it("puts the order id into the path, encoded", async () => {
    const api = mockFetch({ "GET /api/orders/a%2Fb": () => json(200, {}) });
    await getOrder("a/b");
    expect(api.requests).toHaveLength(1);
  });

  it("pays and cancels a held order at its encoded path, with the contract's bodies", async () => {
    const api = mockFetch({
      "POST /api/orders/a%2Fb/payment": () => json(202, { orderId: "a/b", status: "paying" }),
      "POST /api/orders/a%2Fb/cancel": () => json(200, { orderId: "a/b", status: "cancelled" }),
    });
    await expect(payOrder("a/b", { paymentMethod: "paypal", card: { number: "4242 4242 4242 4242" } })).resolves.toEqual({
      orderId: "a/b",
      status: "paying",
    });
    await expect(cancelOrder("a/b")).resolves.toEqual({ orderId: "a/b", status: "cancelled" });
    expect(api.requests.map((r) => r.body)).toEqual([{ paymentMethod: "paypal", card: { number: "4242 4242 4242 4242" } }, {}]);
  });

  it("turns a 410 on payment into an ApiError with its status", async () => {
    mockFetch({ "POST /api/orders/o-1/payment": () => json(410, { error: "the hold on order 'o-1' expired" }) });
    await expect(payOrder("o-1", { paymentMethod: "paypal" })).rejects.toMatchObject({ status: 410 });
  });

  it("offers exactly the payment methods the gateway's document accepts", () => {
    const accepted = document.components.schemas.PaymentMethod.enum;
    expect(PAYMENT_METHODS).toEqual(accepted);
  });
});
