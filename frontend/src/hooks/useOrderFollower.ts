import { useCallback, useState } from "react";
import { getOrder, type Order } from "../api/gateway";
import { liveUrls } from "../api/live";
import { ApiError } from "../api/transport";
import { isTerminal } from "../lib/orderLifecycle";
import { type EventSourceFactory, type LiveMode, useLiveChannel } from "./useLiveChannel";

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
   * cancelled it. `known` (the action's answer) is shown at once, until the next news says more.
   */
  restart: (known?: Partial<Order>) => void;
  /** Whether the changes are being pushed (`live`) or polled for. */
  mode: LiveMode;
}

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

/**
 * Follows one order through its lifecycle until a terminal status (or shown not to exist): pushed by the
 * live service (SSE /live/orders/{id}: the order now, then each status change), and polled with backoff
 * whenever that channel fails. A held order (`reserved`) is followed too: its hold may expire, or be paid
 * from another tab.
 */
export function useOrderFollower(
  orderId: string,
  backoff: Backoff = ORDER_BACKOFF,
  eventSource?: EventSourceFactory | null,
): OrderFollower {
  const [round, setRound] = useState(0);
  // An action's answer, shown over the data it was given on until newer data arrives.
  const [known, setKnown] = useState<{ orderId: string; since: number | null; patch: Partial<Order> } | null>(null);
  const channel = useLiveChannel<Order>({
    url: liveUrls.order(orderId),
    event: "order",
    key: `${orderId}:${round}`,
    fromEvent: (payload) => payload as Order,
    poll: (signal) => getOrder(orderId, signal),
    nextPollMs: (_data, previousMs) => nextDelay(previousMs, backoff),
    done: isDecided,
    retryOn: (error) => !isNotFound(error),
    eventSource,
  });
  const { updatedAt } = channel;
  const restart = useCallback(
    (patch?: Partial<Order>) => {
      if (patch) setKnown({ orderId, since: updatedAt, patch });
      setRound((r) => r + 1);
    },
    [orderId, updatedAt],
  );

  // The channel keeps what it showed across a new id: only this order's data counts.
  const order = channel.data?.orderId === orderId ? channel.data : undefined;
  let view: OrderView;
  if (isNotFound(channel.error)) {
    view = { kind: "not-found", message: (channel.error as ApiError).message };
  } else if (order) {
    const patched =
      known && known.orderId === orderId && known.since === channel.updatedAt ? { ...order, ...known.patch } : order;
    view = { kind: "found", order: patched, connectionProblem: Boolean(channel.error) };
  } else if (channel.error) {
    const error = channel.error;
    view = { kind: "error", message: error instanceof Error ? error.message : String(error) };
  } else {
    view = { kind: "loading" };
  }
  return { view, restart, mode: channel.mode };
}
