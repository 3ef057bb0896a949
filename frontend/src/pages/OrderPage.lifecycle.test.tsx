import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Order } from "../api/gateway";
import { order, TICKETS } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { OrderPage } from "./OrderPage";

const FAST = { firstMs: 5, factor: 2, maxMs: 20 };
const ID = order().orderId;
const inTenMinutes = () => new Date(Date.now() + 10 * 60_000).toISOString();
const held = (overrides: Partial<Order> = {}) => order({ status: "reserved", payLater: true, holdExpiresAt: inTenMinutes(), ...overrides });

/**
 * A fake gateway with one order whose record the test changes, as the worker would. `onPay` and `onCancel`
 * answer the actions (and may change the record).
 */
function orderBackend(
  initial: Order,
  actions: { onPay?: (current: Order) => [number, unknown, Order?]; onCancel?: (current: Order) => [number, unknown, Order?] } = {},
) {
  let current = initial;
  const api = mockFetch({
    [`GET /api/orders/${ID}`]: () => json(200, current),
    [`POST /api/orders/${ID}/payment`]: () => {
      const [status, body, next] = actions.onPay?.(current) ?? [500, { error: "no payment in this test" }];
      if (next) current = next;
      return json(status, body);
    },
    [`POST /api/orders/${ID}/cancel`]: () => {
      const [status, body, next] = actions.onCancel?.(current) ?? [500, { error: "no cancel in this test" }];
      if (next) current = next;
      return json(status, body);
    },
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
  });
  return {
    api,
    set: (next: Order) => {
      current = next;
    },
    polls: () => api.to("GET", `/api/orders/${ID}`).length,
  };
}

const openOrderPage = () => renderAt(<OrderPage backoff={FAST} />, { path: "/orders/:orderId", url: `/orders/${ID}` });
const steps = () => within(screen.getByRole("list", { name: "Order progress" })).getAllByRole("listitem").map((li) => li.textContent);
/** Lets real time pass while the page keeps polling (inside act: it updates state meanwhile). */
const pause = (ms: number) => act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));

describe("order page: the reserve-pay-confirm lifecycle", () => {
  it("shows a held order's countdown, pays it with a test card and follows it to confirmed", async () => {
    const backend = orderBackend(held(), {
      onPay: (o) => [202, { orderId: ID, status: "paying" }, { ...o, status: "paying" }],
    });
    const { user } = openOrderPage();

    expect(await screen.findByRole("heading", { level: 1, name: "Your tickets are held" })).toBeInTheDocument();
    expect(screen.getByRole("timer")).toHaveTextContent(/^(10:00|9:\d\d)$/);
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent("Waiting for payment");

    await user.click(screen.getByRole("button", { name: /^Use test card 4242 4242 4242 4242/ }));
    expect(screen.getByLabelText(/Card number/)).toHaveValue("4242 4242 4242 4242");
    await user.click(screen.getByRole("radio", { name: "Apple Pay" }));
    await user.click(screen.getByRole("button", { name: /^Pay now/ }));

    expect(await screen.findByRole("heading", { level: 1, name: "Taking your payment…" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Pay now/ })).not.toBeInTheDocument();
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent("Paying");
    const [post] = backend.api.to("POST", `/api/orders/${ID}/payment`);
    expect(post.body).toEqual({ paymentMethod: "apple_pay", card: { number: "4242 4242 4242 4242" } });

    // The worker charges and confirms.
    backend.set({
      ...held(),
      status: "confirmed",
      paymentMethod: "apple_pay",
      payment: { status: "approved", attempts: 1, chargeId: "ch_42" },
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeInTheDocument();
    expect(steps()).toEqual(["Received", "Tickets held", "Paid", "Confirmed"]);
    expect(screen.getByTestId("payment-outcome")).toHaveTextContent("Approved after 1 attempt");
    expect(screen.getByText("ch_42")).toBeInTheDocument();
    expect(screen.queryByRole("timer")).not.toBeInTheDocument();

    // Terminal: following stops.
    const polls = backend.polls();
    await pause(100);
    expect(backend.polls()).toBe(polls);
  });

  it("shows a declined payment as payment_failed with the tickets released, in plain words, and stops", async () => {
    const backend = orderBackend(order({ status: "paying", holdExpiresAt: inTenMinutes() }));
    openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Taking your payment…" });
    backend.set(
      order({
        status: "payment_failed",
        reason: "payment_declined",
        holdExpiresAt: inTenMinutes(),
        payment: { status: "declined", attempts: 1, chargeId: "ch_7" },
      }),
    );
    expect(await screen.findByRole("heading", { level: 1, name: "Your payment did not go through" })).toBeInTheDocument();
    expect(screen.getByText(/Your card was declined, so nothing was charged/)).toBeInTheDocument();
    expect(steps()).toEqual(["Received", "Tickets held", "Payment declined", "Tickets released"]);
    expect(screen.getByTestId("payment-outcome")).toHaveTextContent("Declined after 1 attempt");
    expect(screen.getByRole("link", { name: "Back to tickets" })).toBeInTheDocument();
    const polls = backend.polls();
    await pause(100);
    expect(backend.polls()).toBe(polls);
  });

  it("explains payment errors that ran out of retries", async () => {
    orderBackend(
      order({ status: "payment_failed", reason: "payment_error", payment: { status: "error", attempts: 4, chargeId: null } }),
    );
    openOrderPage();
    expect(await screen.findByText(/could not get an answer from the payment service after several tries/)).toBeInTheDocument();
    expect(screen.getByTestId("payment-outcome")).toHaveTextContent("Payment service error after 4 attempts");
  });

  it("keeps following a held order that nobody pays until it expires", async () => {
    const backend = orderBackend(held());
    openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await pause(60);
    expect(backend.polls()).toBeGreaterThan(1); // reserved is not terminal
    backend.set(order({ status: "expired", reason: "hold_expired", holdExpiresAt: new Date().toISOString() }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your hold has expired" })).toBeInTheDocument();
    expect(screen.getByText(/time to pay for this order ran out/)).toBeInTheDocument();
    expect(steps()).toEqual(["Received", "Tickets held", "Not paid in time", "Tickets released"]);
    expect(screen.queryByRole("button", { name: /^Pay now/ })).not.toBeInTheDocument();
  });

  it("explains a 410 (the hold ran out) and keeps saying so once the order shows as expired", async () => {
    const backend = orderBackend(held(), {
      onPay: (o) => [410, { error: `the hold on order '${ID}' expired` }, { ...o, status: "expired", reason: "hold_expired" }],
    });
    const { user } = openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await user.click(screen.getByRole("button", { name: /^Pay now/ }));

    expect(await screen.findByRole("heading", { level: 1, name: "Your hold has expired" })).toBeInTheDocument();
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The payment was not started");
    expect(alert).toHaveTextContent(/time to pay for this order has run out/);
    expect(backend.api.to("POST", `/api/orders/${ID}/payment`)).toHaveLength(1);
  });

  it("explains a 409 (already being paid) and shows where the order stands", async () => {
    orderBackend(held(), {
      onPay: (o) => [409, { error: `order '${ID}' is paying, not reserved` }, { ...o, status: "paying" }],
    });
    const { user } = openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await user.click(screen.getByRole("button", { name: /^Pay now/ }));
    expect(await screen.findByText(/can no longer be paid: it is already being paid/)).toBeInTheDocument();
    expect(await screen.findByRole("heading", { level: 1, name: "Taking your payment…" })).toBeInTheDocument();
  });

  it("puts the gateway's card number error beside the card input and keeps the payment step", async () => {
    orderBackend(held(), {
      onPay: () => [400, { error: "card.number: must be 13 to 19 digits", field: "card.number" }],
    });
    const { user } = openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await user.type(screen.getByLabelText(/Card number/), "12");
    await user.click(screen.getByRole("button", { name: /^Pay now/ }));
    const input = screen.getByLabelText(/Card number/);
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText("Must be 13 to 19 digits")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /^Pay now/ })).toBeEnabled();
  });

  it("cancels a held order after asking, and shows it released", async () => {
    const backend = orderBackend(held(), {
      onCancel: (o) => [200, { orderId: ID, status: "cancelled" }, { ...o, status: "cancelled", reason: "cancelled_by_customer" }],
    });
    const { user } = openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await user.click(screen.getByRole("button", { name: "Cancel order" }));
    expect(backend.api.to("POST", `/api/orders/${ID}/cancel`)).toHaveLength(0); // not before confirming
    await user.click(screen.getByRole("button", { name: "Keep them" }));
    await user.click(screen.getByRole("button", { name: "Cancel order" }));
    await user.click(screen.getByRole("button", { name: "Yes, release my tickets" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Your order is cancelled" })).toBeInTheDocument();
    expect(await screen.findByText(/You cancelled this order/)).toBeInTheDocument();
    expect(steps()).toEqual(["Received", "Tickets held", "Cancelled", "Tickets released"]);
    expect(backend.api.to("POST", `/api/orders/${ID}/cancel`)).toHaveLength(1);
  });

  it("explains a 409 on cancel once the payment is under way", async () => {
    orderBackend(held(), {
      onCancel: (o) => [409, { error: "order is paying" }, { ...o, status: "paying" }],
    });
    const { user } = openOrderPage();
    await screen.findByRole("heading", { level: 1, name: "Your tickets are held" });
    await user.click(screen.getByRole("button", { name: "Cancel order" }));
    await user.click(screen.getByRole("button", { name: "Yes, release my tickets" }));
    expect(await screen.findByText(/can no longer be cancelled: its payment is already under way/)).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("The order was not cancelled");
  });

  it("offers no payment for a plain order the worker is about to charge", async () => {
    orderBackend(order({ status: "reserved", payLater: false, holdExpiresAt: inTenMinutes() }));
    openOrderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "Your tickets are held" })).toBeInTheDocument();
    expect(screen.getByText(/your payment is taken next/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Pay now/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("timer")).not.toBeInTheDocument();
  });
});
