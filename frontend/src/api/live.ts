/**
 * The live-updates service (`/live/x` is its `/x` behind nginx): Server-Sent Events, each channel with
 * a gateway call to poll instead when the channel cannot be had. The events' payloads are not in any
 * OpenAPI document (SSE bodies are not described there), so they are written here, from the contract,
 * in terms of the gateway's generated types where they repeat them.
 */
import type { VisitorStatus } from "./gateway";

const LIVE = "/live";

/** `queue` events: the visitor's place while it changes, then `{status: "admitted"}` (the token is the gateway's). */
export type QueueEvent = Partial<
  Pick<VisitorStatus, "position" | "ahead" | "queueLength" | "admissionRatePerSecond" | "estimatedWaitSeconds">
> &
  Pick<VisitorStatus, "status">;

/** One ticket's stock in a `stock` event. */
export interface LiveStock {
  id: string;
  available: number;
  /** Absent only where the polled ledger predates holds. */
  held?: number;
  sold: number;
}

export interface StockEvent {
  tickets: LiveStock[];
}

/** `room` events of the dashboard channel: the public room summary. */
export interface RoomEvent {
  state: VisitorStatus["roomState"];
  queueLength: number;
  admissionRatePerSecond: number;
}

export const liveUrls = {
  order: (orderId: string) => `${LIVE}/orders/${encodeURIComponent(orderId)}`,
  queue: (saleId: string, visitorId: string) =>
    `${LIVE}/sales/${encodeURIComponent(saleId)}/queue/${encodeURIComponent(visitorId)}`,
  stock: () => `${LIVE}/stock`,
  dashboard: () => `${LIVE}/dashboard`,
};
