import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { OrderStatus } from "../api/gateway";
import { fakeEventSources } from "../test/fakeEventSource";
import { order } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { isDecided, nextDelay, ORDER_BACKOFF, useOrderFollower } from "./useOrderFollower";

describe("order polling backoff", () => {
  it("starts fast and grows by the factor up to the ceiling", () => {
    const delays: number[] = [];
    let delay: number | null = null;
    for (let i = 0; i < 9; i++) delays.push((delay = nextDelay(delay, ORDER_BACKOFF)));
    expect(delays).toEqual([500, 750, 1125, 1688, 2532, 3798, 5000, 5000, 5000]);
  });
});

describe("when following stops", () => {
  it("keeps following pending, held and paying orders, and stops at every terminal status", () => {
    const following: OrderStatus[] = ["pending", "reserved", "paying"];
    const terminal: OrderStatus[] = ["confirmed", "rejected", "payment_failed", "expired", "cancelled", "failed"];
    for (const status of following) expect(isDecided(order({ status })), status).toBe(false);
    for (const status of terminal) expect(isDecided(order({ status })), status).toBe(true);
  });
});

describe("following an order live", () => {
  it("shows each pushed status change and closes the channel at a terminal status, without polling", async () => {
    const api = mockFetch({});
    const sources = fakeEventSources();
    const { result } = renderHook(() => useOrderFollower("o-1", ORDER_BACKOFF, sources.factory));
    expect(sources.latest().url).toBe("/live/orders/o-1");
    act(() => sources.latest().send("order", order({ orderId: "o-1", status: "pending" })));
    expect(result.current.view).toMatchObject({ kind: "found", order: { status: "pending" } });
    act(() => sources.latest().send("order", order({ orderId: "o-1", status: "confirmed" })));
    expect(result.current.view).toMatchObject({ kind: "found", order: { status: "confirmed" } });
    expect(sources.latest().closed).toBe(true);
    expect(api.requests).toHaveLength(0);
  });

  it("falls back to polling the gateway when the channel fails", async () => {
    const api = mockFetch({ "GET /api/orders/o-2": () => json(200, order({ orderId: "o-2", status: "confirmed" })) });
    const sources = fakeEventSources();
    const { result } = renderHook(() => useOrderFollower("o-2", ORDER_BACKOFF, sources.factory));
    act(() => sources.latest().fail());
    await waitFor(() => expect(result.current.view).toMatchObject({ kind: "found", order: { status: "confirmed" } }));
    expect(api.to("GET", "/api/orders/o-2")).toHaveLength(1);
  });

  it("says not found when the channel fails and the gateway answers 404", async () => {
    mockFetch({ "GET /api/orders/nope": () => json(404, { error: "order nope not found" }) });
    const sources = fakeEventSources();
    const { result } = renderHook(() => useOrderFollower("nope", ORDER_BACKOFF, sources.factory));
    act(() => sources.latest().fail());
    await waitFor(() => expect(result.current.view.kind).toBe("not-found"));
  });
});
