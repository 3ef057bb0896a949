import { useEffect, useState } from "react";
import { getOrder, type Order } from "../api/gateway";
import { ApiError } from "../api/transport";

export type OrderView =
  | { kind: "loading" }
  | { kind: "found"; order: Order; connectionProblem: boolean }
  | { kind: "not-found"; message: string }
  | { kind: "error"; message: string };

export interface Backoff {
  firstMs: number;
  factor: number;
  maxMs: number;
}

/** Fast at first (most orders are decided within a second), then easing off to spare the gateway. */
export const ORDER_BACKOFF: Backoff = { firstMs: 500, factor: 1.5, maxMs: 5_000 };

export function nextDelay(previousMs: number | null, backoff: Backoff): number {
  if (previousMs === null) return backoff.firstMs;
  return Math.min(backoff.maxMs, Math.round(previousMs * backoff.factor));
}

export function isDecided(order: Order): boolean {
  return order.status !== "pending";
}

/** Follows one order until it is decided (or shown not to exist), polling with backoff. */
export function useOrderFollower(orderId: string, backoff: Backoff = ORDER_BACKOFF): OrderView {
  const [view, setView] = useState<OrderView>({ kind: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay: number | null = null;
    setView({ kind: "loading" });

    const poll = async () => {
      try {
        const order = await getOrder(orderId, controller.signal);
        if (controller.signal.aborted) return;
        setView({ kind: "found", order, connectionProblem: false });
        if (isDecided(order)) return;
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 404) {
          setView({ kind: "not-found", message: error.message });
          return;
        }
        // Transient trouble: keep showing what we know and keep trying, more slowly.
        setView((current) =>
          current.kind === "found"
            ? { ...current, connectionProblem: true }
            : { kind: "error", message: error instanceof Error ? error.message : String(error) },
        );
      }
      delay = nextDelay(delay, backoff);
      timer = setTimeout(poll, delay);
    };
    void poll();

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [orderId, backoff]);

  return view;
}
