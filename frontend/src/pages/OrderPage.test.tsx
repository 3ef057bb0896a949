import { act, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { order, TICKETS } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { OrderPage, SLOW_DECISION_MS } from "./OrderPage";

const FAST = { firstMs: 5, factor: 2, maxMs: 20 };
const ID = order().orderId;

function orderApi(answers: (() => Response)[]) {
  return mockFetch({
    [`GET /api/orders/${ID}`]: answers,
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
  });
}

/** Lets real time pass while the page keeps polling (inside act: it updates state meanwhile). */
const idle = (ms: number) => act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));

const openOrderPage = () => renderAt(<OrderPage backoff={FAST} />, { path: "/orders/:orderId", url: `/orders/${ID}` });

describe("order page", () => {
  it("follows a pending order until it is confirmed, with no manual refresh", async () => {
    const api = orderApi([
      () => json(200, order()),
      () => json(200, order()),
      () => json(200, order({ status: "confirmed", decidedAt: "2026-07-01T10:00:01.000Z" })),
    ]);
    openOrderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "Processing your order…" })).toBeInTheDocument();
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent("Checking availability");

    expect(await screen.findByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeInTheDocument();
    expect(screen.getByText("2 tickets are booked in your name. Enjoy the show!")).toBeInTheDocument();
    expect(screen.getByText("General Admission")).toBeInTheDocument(); // the name, from the catalogue
    expect(screen.getByText("PayPal")).toBeInTheDocument();

    // Decided: polling stops.
    const calls = api.to("GET", `/api/orders/${ID}`).length;
    await idle(100);
    expect(api.to("GET", `/api/orders/${ID}`)).toHaveLength(calls);
  });

  it("backs off between polls while the order is pending", async () => {
    const api = orderApi([() => json(200, order())]);
    renderAt(<OrderPage backoff={{ firstMs: 100, factor: 4, maxMs: 10_000 }} />, {
      path: "/orders/:orderId",
      url: `/orders/${ID}`,
    });
    await screen.findByRole("heading", { name: "Processing your order…" });
    await idle(450);
    // Polls at 0, 100 and 500 ms, then not before 2,100 ms: 2 or 3 in this window, where a
    // fixed 100 ms interval would have made 5 or more.
    const calls = api.to("GET", `/api/orders/${ID}`).length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3);
  });

  it("says so when a decision takes longer than usual", async () => {
    // Only the clock is faked (timers stay real, so polling goes on): time jumps on demand.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      orderApi([() => json(200, order())]);
      openOrderPage();
      await screen.findByRole("heading", { name: "Processing your order…" });
      await idle(50);
      expect(screen.queryByText(/taking longer than usual/)).not.toBeInTheDocument();
      vi.setSystemTime(Date.now() + SLOW_DECISION_MS + 1_000);
      expect(await screen.findByText(/taking longer than usual/)).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it("explains a rejection for insufficient stock in plain words", async () => {
    orderApi([() => json(200, order({ status: "rejected", reason: "insufficient_stock", decidedAt: "2026-07-01T10:00:01.000Z" }))]);
    openOrderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "We could not book this order" })).toBeInTheDocument();
    expect(
      screen.getByText(/not enough tickets left for at least one item in your order, so nothing was booked or charged/),
    ).toBeInTheDocument();
    expect(screen.getByText("Rejected")).toBeInTheDocument();
  });

  it("shows a failed order with its reason", async () => {
    orderApi([() => json(200, order({ status: "failed", reason: "max_deliveries_exceeded" }))]);
    openOrderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "Something went wrong with this order" })).toBeInTheDocument();
    expect(screen.getByText(/could not process your order after several attempts/)).toBeInTheDocument();
  });

  it("shows an unknown order as not found, and stops asking", async () => {
    const api = orderApi([() => json(404, { error: `order '${ID}' not found` })]);
    openOrderPage();
    expect(await screen.findByRole("heading", { level: 1, name: "We could not find this order" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Browse tickets" })).toHaveAttribute("href", "/");
    await idle(60);
    expect(api.to("GET", `/api/orders/${ID}`)).toHaveLength(1);
  });

  it("keeps the last known state through a connection problem and recovers", async () => {
    // The gateway stays unreachable until the test has seen the notice, however slow the machine.
    let noticeSeen = false;
    orderApi([
      () => json(200, order()),
      () => (noticeSeen ? json(200, order({ status: "confirmed" })) : json(502, { error: "the API gateway is unreachable" })),
    ]);
    renderAt(<OrderPage backoff={{ firstMs: 150, factor: 1, maxMs: 150 }} />, { path: "/orders/:orderId", url: `/orders/${ID}` });
    await screen.findByRole("heading", { name: "Processing your order…" });
    expect(await screen.findByText(/Connection trouble/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Processing your order…" })).toBeInTheDocument();
    noticeSeen = true;
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "Your order is confirmed" })).toBeInTheDocument());
    expect(screen.queryByText(/Connection trouble/)).not.toBeInTheDocument();
  });
});
