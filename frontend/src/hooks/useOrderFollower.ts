import { useCallback, useEffect, useState } from "react";
import { getOrder, type Order } from "../api/gateway";
import { ApiError } from "../api/transport";
import { isTerminal } from "../lib/orderLifecycle";

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

/** Whether following can stop: the order reached a status it never leaves (TERMINAL_STATUSES). */
export function isDecided(order: Order): boolean {
  return isTerminal(order.status);
}

export interface OrderFollower {
  view: OrderView;
  /**
   * Starts following afresh (at the fastest poll) after this page changed the order, e.g. paid or
   * cancelled it. `known` (the action's answer) is shown at once, until the next poll says more.
   */
  restart: (known?: Partial<Order>) => void;
}

/**
 * Follows one order through its lifecycle until a terminal status (or shown not to exist), polling with
 * backoff. A held order (`reserved`) is followed too: its hold may expire, or be paid from another tab.
 */
export function useOrderFollower(orderId: string, backoff: Backoff = ORDER_BACKOFF): OrderFollower {
  const [view, setView] = useState<OrderView>({ kind: "loading" });
  // The order id being shown, and how many restarts: a new id starts from "loading", a restart keeps the view.
  const [run, setRun] = useState({ orderId, round: 0 });
  if (run.orderId !== orderId) {
    setRun({ orderId, round: 0 });
    setView({ kind: "loading" });
  }

  const restart = useCallback((known?: Partial<Order>) => {
    if (known) {
      setView((current) =>
        current.kind === "found" ? { ...current, order: { ...current.order, ...known } } : current,
      );
    }
    setRun((current) => ({ ...current, round: current.round + 1 }));
  }, []);

  const { round } = run;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay: number | null = null;

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
  }, [orderId, backoff, round]);

  return { view, restart };
}
