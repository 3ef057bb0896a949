/**
 * The API gateway's calls, as the browser reaches it through nginx (`/api/x` is the gateway's `/x`).
 * Every type here comes from the gateway's OpenAPI document (./schema/gateway.ts, `make types`).
 */
import type { CancelOrderResponse, HoldFields, Order, PayOrderRequest, PayOrderResponse } from "./lifecycle";
import { fillPath, type JsonRequest, type JsonResponse } from "./openapi";
import { paymentMethodValues, type components, type paths } from "./schema/gateway";
import type { ResetResponse, ScalingStatus, SystemStatusAdditions } from "./scalingTypes";
import { request } from "./transport";

type Schemas = components["schemas"];

export type Ticket = Schemas["Ticket"];
// The lifecycle's fields by hand until make types regenerates them (./lifecycle.ts).
export type { Order, OrderStatus } from "./lifecycle";
export type OrderItem = Schemas["OrderItem"];
export type CreateOrderRequest = JsonRequest<paths["/orders"]["post"]> & HoldFields;
export type CreateOrderResponse = JsonResponse<paths["/orders"]["post"], 201>;
// Plus the issue-12 fields, typed by hand until `make types` has them (./scalingTypes.ts).
export type SystemStatus = JsonResponse<paths["/system/status"]["get"], 200> & SystemStatusAdditions;

export type PaymentMethod = CreateOrderRequest["paymentMethod"];
/** Every payment method an order may name, in the server's order: the one list the UI offers. */
export const PAYMENT_METHODS: readonly PaymentMethod[] = paymentMethodValues;

/** The catalogue filters as the inputs hold them. */
export interface TicketFilters {
  type?: string;
  minPrice?: string;
  maxPrice?: string;
}

type TicketQuery = NonNullable<paths["/tickets"]["get"]["parameters"]["query"]>;
// The inputs' text is sent as typed, so a bad number gets the gateway's own message; tsc checks the names.
const TICKET_QUERY_NAMES = { type: "type", minPrice: "min_price", maxPrice: "max_price" } as const satisfies Record<
  keyof TicketFilters,
  keyof TicketQuery
>;

const API = "/api";

function url<P extends keyof paths>(path: P, params?: Record<string, string>): string {
  return API + fillPath(path, params);
}

export function ticketsQuery(filters: TicketFilters): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(TICKET_QUERY_NAMES) as (keyof TicketFilters)[]) {
    const value = filters[key];
    if (value) params.set(TICKET_QUERY_NAMES[key], value);
  }
  const query = params.toString();
  return query ? `?${query}` : "";
}

export async function listTickets(filters: TicketFilters = {}, signal?: AbortSignal): Promise<Ticket[]> {
  const body = await request<JsonResponse<paths["/tickets"]["get"], 200>>(url("/tickets") + ticketsQuery(filters), {
    signal,
  });
  return body.tickets;
}

export function createOrder(
  order: CreateOrderRequest,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<CreateOrderResponse> {
  return request(url("/orders"), {
    method: "POST",
    body: order,
    headers: { "Idempotency-Key": idempotencyKey },
    signal,
  });
}

export function getOrder(orderId: string, signal?: AbortSignal): Promise<Order> {
  return request<JsonResponse<paths["/orders/{orderId}"]["get"], 200>>(url("/orders/{orderId}", { orderId }), {
    signal,
  });
}

/** Pays a held (`reserved`) order: 202 paying; 409 when not reserved, 410 when its hold expired. */
export function payOrder(orderId: string, body: PayOrderRequest, signal?: AbortSignal): Promise<PayOrderResponse> {
  // The path is not in the generated document yet, so it is filled by hand (same encoding).
  return request(API + fillPath("/orders/{orderId}/payment", { orderId }), { method: "POST", body, signal });
}

/** Releases a held order: 200 cancelled; 409 when paying or decided, 410 when its hold expired. */
export function cancelOrder(orderId: string, signal?: AbortSignal): Promise<CancelOrderResponse> {
  // An empty JSON object rather than no body: safe whether or not the gateway reads one.
  return request(API + fillPath("/orders/{orderId}/cancel", { orderId }), { method: "POST", body: {}, signal });
}

export function getSystemStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return request(url("/system/status"), { signal, timeoutMs: 5_000 });
}

// Issue 12: not in ./schema/gateway.ts yet, hence the literal paths and the hand-written types.

/** Replicas, metrics and scaling events, from the local autoscaler or the cluster's HPAs (anonymous, read-only). */
export function getScaling(signal?: AbortSignal): Promise<ScalingStatus> {
  return request(`${API}/system/scaling`, { signal, timeoutMs: 5_000 });
}

/** The demo reset. Protected like the generator's controls: a bearer token, or loopback only. */
export function resetDemo(token: string | null): Promise<ResetResponse> {
  return request(`${API}/system/reset`, {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}
