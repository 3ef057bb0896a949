/**
 * TEMPORARY: the issue-14 gateway types, hand-written from the shared contract
 * (/work/briefs/rush-contract.md) while the gateway's models are being built in parallel.
 * Delete this file once `make types` generates them into ./schema/gateway.ts, and name them in
 * ./gateway.ts from the document like every other type.
 */

export type RoomState = "off" | "open" | "paused" | "closed";

/** POST /sales/{saleId}/queue, GET /sales/{saleId}/queue/{visitorId}. */
export interface VisitorStatus {
  visitorId: string;
  saleId: string;
  status: "waiting" | "admitted";
  position: number | null;
  ahead: number | null;
  queueLength: number;
  admissionRatePerSecond: number;
  estimatedWaitSeconds: number | null;
  pollAfterMs: number;
  opensAt: string | null;
  roomState: RoomState;
  admissionToken: string | null;
  tokenExpiresAt: string | null;
  usesLeft: number | null;
}

/** One entry of GET /sales. */
export interface Sale {
  saleId: string;
  name: string;
  opensAt: string | null;
  open: boolean;
  room: { state: RoomState };
}

export interface SalesList {
  sales: Sale[];
}

/** GET/PUT /sales/{saleId}/room (operator). */
export interface RoomStats {
  saleId: string;
  state: RoomState;
  mode: "fixed" | "adaptive";
  rate: number;
  queueLength: number;
  admittedTotal: number;
  admissionRatePerSecond: number;
  waitSeconds: { p50: number | null; p99: number | null; count: number };
  opensAt: string | null;
  tokenTtlSeconds: number;
  tokenUses: number;
}

export type RoomSettings = Partial<Pick<RoomStats, "state" | "mode" | "rate" | "opensAt" | "tokenTtlSeconds" | "tokenUses">>;
