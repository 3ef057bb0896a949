/**
 * Hand-written types for the reserve-pay-confirm lifecycle (issue 13), until make types regenerates them.
 *
 * They are shaped exactly as /work/briefs/lifecycle-contract.md describes the gateway's additions, which are
 * being built in parallel. Each one extends the generated type rather than copying it, so once the gateway's
 * document has these fields, this file shrinks to re-exports (or goes) without touching its users.
 */
import type { components } from "./schema/gateway";

type Schemas = components["schemas"];

/** Every status an order can have (ticketing_common.status). */
export type OrderStatus =
  | "pending"
  | "reserved"
  | "paying"
  | "confirmed"
  | "rejected"
  | "payment_failed"
  | "expired"
  | "cancelled"
  | "failed";

/** The card to charge; 13-19 digits, spaces allowed. Never returned by any GET. */
export interface Card {
  number: string;
}

/** What the provider said about the charge, once one was tried. */
export interface Payment {
  status: "approved" | "declined" | "error" | "timeout" | "refunded";
  attempts: number;
  /** Left out of the record until the provider gave one (the gateway omits null fields). */
  chargeId?: string | null;
}

/** GET /orders/{id}: the generated record plus the hold deadline and the payment. */
export type Order = Omit<Schemas["Order"], "status" | "holdExpiresAt" | "payment" | "payLater"> & {
  status: OrderStatus;
  /** Asked to be held for a later payment; false: the checkout's own payment follows the hold by itself. */
  payLater?: boolean;
  /** ISO 8601 UTC; present once reserved. */
  holdExpiresAt?: string | null;
  payment?: Payment | null;
};

/** POST /orders' optional additions. */
export interface HoldFields {
  /** Only reserve: the order waits in `reserved` until POST /orders/{id}/payment (or its hold expires). */
  payLater?: boolean;
  card?: Card;
}

/** POST /orders/{id}/payment */
export interface PayOrderRequest {
  paymentMethod: Schemas["PaymentMethod"];
  card?: Card;
}

/** 202 from POST /orders/{id}/payment: status `paying`. */
export interface PayOrderResponse {
  orderId: string;
  status: OrderStatus;
  message?: string;
}

/** 200 from POST /orders/{id}/cancel: status `cancelled`. */
export interface CancelOrderResponse {
  orderId: string;
  status: OrderStatus;
}

/** A GET /system/status stock entry; `held` and `drift` are optional because an older gateway lacks them. */
export type StockEntry = Schemas["StockStatus"] & { held?: number; drift?: number };
