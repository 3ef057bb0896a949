/**
 * The API gateway's calls, as the browser reaches it through nginx (`/api/x` is the gateway's `/x`).
 * Every type here comes from the gateway's OpenAPI document (./schema/gateway.ts, `make types`).
 */
import { fillPath, type JsonRequest, type JsonResponse } from "./openapi";
import { paymentMethodValues, type components, type paths } from "./schema/gateway";
import { request } from "./transport";

type Schemas = components["schemas"];

export type Ticket = Schemas["Ticket"];
export type Order = JsonResponse<paths["/orders/{orderId}"]["get"], 200>;
export type OrderStatus = Schemas["OrderStatus"];
export type OrderItem = Schemas["OrderItem"];
export type Card = Schemas["Card"];
export type Payment = Schemas["Payment"];
export type CreateOrderRequest = JsonRequest<paths["/orders"]["post"]>;
export type CreateOrderResponse = JsonResponse<paths["/orders"]["post"], 201>;
export type PayOrderRequest = JsonRequest<paths["/orders/{orderId}/payment"]["post"]>;
export type PayOrderResponse = JsonResponse<paths["/orders/{orderId}/payment"]["post"], 202>;
export type CancelOrderResponse = JsonResponse<paths["/orders/{orderId}/cancel"]["post"], 200>;
export type SystemStatus = JsonResponse<paths["/system/status"]["get"], 200>;
export type StockEntry = SystemStatus["stock"][number];
/** Held and sold per ticket: from the stock ledger, or pushed by the live service. */
export type StockFigures = Pick<StockEntry, "ticketId" | "held" | "sold">;
export type WorkerProcess = SystemStatus["workers"][number];
export type ScalingStatus = JsonResponse<paths["/system/scaling"]["get"], 200>;
export type ScalingSource = ScalingStatus["source"];
export type ScalingTarget = ScalingStatus["targets"][number];
export type ScalingEvent = ScalingStatus["events"][number];
export type ResetResponse = JsonResponse<paths["/system/reset"]["post"], 200>;
// The waiting room (issue 14)
export type Sale = JsonResponse<paths["/sales"]["get"], 200>["sales"][number];
export type RoomState = Sale["room"]["state"];
export type VisitorStatus = JsonResponse<paths["/sales/{saleId}/queue/{visitorId}"]["get"], 200>;
export type RoomStats = JsonResponse<paths["/sales/{saleId}/room"]["get"], 200>;
export type RoomSettings = JsonRequest<paths["/sales/{saleId}/room"]["put"]>;

// The catalogue of events (issue 17)
export type CatalogueEvent = JsonResponse<paths["/events/{eventId}"]["get"], 200>;
export type SaleState = CatalogueEvent["saleState"];
export type EventSales = JsonResponse<paths["/events/{eventId}/sales"]["get"], 200>;
export type TicketSales = EventSales["tickets"][number];
export type SalesFigures = EventSales["totals"];
type EventQuery = NonNullable<paths["/events"]["get"]["parameters"]["query"]>;

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

/** `admissionToken`: the waiting room's pass, sent as `Admission-Token` when this browser holds one. */
export function createOrder(
  order: CreateOrderRequest,
  idempotencyKey: string,
  signal?: AbortSignal,
  admissionToken?: string | null,
): Promise<CreateOrderResponse> {
  return request(url("/orders"), {
    method: "POST",
    body: order,
    headers: { "Idempotency-Key": idempotencyKey, ...(admissionToken ? { "Admission-Token": admissionToken } : {}) },
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
  return request(url("/orders/{orderId}/payment", { orderId }), { method: "POST", body, signal });
}

/** Releases a held order: 200 cancelled; 409 when paying or decided, 410 when its hold expired. */
export function cancelOrder(orderId: string, signal?: AbortSignal): Promise<CancelOrderResponse> {
  // An empty JSON object rather than no body: safe whether or not the gateway reads one.
  return request(url("/orders/{orderId}/cancel", { orderId }), { method: "POST", body: {}, signal });
}

export function getSystemStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return request(url("/system/status"), { signal, timeoutMs: 5_000 });
}

/** Replicas, metrics and scaling events, from the local autoscaler or the cluster's HPAs (anonymous, read-only). */
export function getScaling(signal?: AbortSignal): Promise<ScalingStatus> {
  return request(url("/system/scaling"), { signal, timeoutMs: 5_000 });
}

/** The demo reset. Protected like the generator's controls: a bearer token, or loopback only. */
export function resetDemo(token: string | null): Promise<ResetResponse> {
  return request(url("/system/reset"), {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

// The waiting room (issue 14).

/** The sales on offer, each with its opening time and whether its waiting room is on. */
export async function listSales(signal?: AbortSignal): Promise<Sale[]> {
  const body = await request<JsonResponse<paths["/sales"]["get"], 200>>(url("/sales"), { signal, timeoutMs: 5_000 });
  return body.sales;
}

/** Joins the line, or finds the place again: a known `visitorId` keeps its place (200), a new one is queued (201). */
export function joinQueue(saleId: string, visitorId: string | null, signal?: AbortSignal): Promise<VisitorStatus> {
  const body: JsonRequest<paths["/sales/{saleId}/queue"]["post"]> = visitorId ? { visitorId } : {};
  return request(url("/sales/{saleId}/queue", { saleId }), { method: "POST", body, signal });
}

export function getVisitorStatus(saleId: string, visitorId: string, signal?: AbortSignal): Promise<VisitorStatus> {
  return request(url("/sales/{saleId}/queue/{visitorId}", { saleId, visitorId }), { signal });
}

/** Gives the place up: everyone behind moves up. */
export async function leaveQueue(saleId: string, visitorId: string): Promise<void> {
  await request<null>(url("/sales/{saleId}/queue/{visitorId}", { saleId, visitorId }), { method: "DELETE" });
}

/** The operator's view of a room (loopback or the admin token, like the demo reset). */
export function getRoom(saleId: string, token: string | null, signal?: AbortSignal): Promise<RoomStats> {
  return request(url("/sales/{saleId}/room", { saleId }), {
    signal,
    timeoutMs: 5_000,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

export function updateRoom(saleId: string, settings: RoomSettings, token: string | null): Promise<RoomStats> {
  return request(url("/sales/{saleId}/room", { saleId }), {
    method: "PUT",
    body: settings,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

// The catalogue of events (issue 17).

/** The events list's filters as the inputs hold them. */
export interface EventFilters {
  /** A substring of the event's name. */
  q?: string;
  /** Only events whose sale is open now. */
  onSale?: boolean;
}

export function eventsQuery(filters: EventFilters): string {
  const query: EventQuery = {};
  if (filters.q?.trim()) query.q = filters.q.trim();
  if (filters.onSale) query.onSale = "true";
  const params = new URLSearchParams(query as Record<string, string>).toString();
  return params ? `?${params}` : "";
}

export async function listEvents(filters: EventFilters = {}, signal?: AbortSignal): Promise<CatalogueEvent[]> {
  const body = await request<JsonResponse<paths["/events"]["get"], 200>>(url("/events") + eventsQuery(filters), {
    signal,
  });
  return body.events;
}

/** One event with each ticket type's `available`; 404 for an unknown id. */
export function getEvent(eventId: string, signal?: AbortSignal): Promise<CatalogueEvent> {
  return request(url("/events/{eventId}", { eventId }), { signal });
}

/** Sold, held and available per ticket type: the organiser's (loopback, or the admin token). */
export function getEventSales(eventId: string, token: string | null, signal?: AbortSignal): Promise<EventSales> {
  return request(url("/events/{eventId}/sales", { eventId }), {
    signal,
    timeoutMs: 5_000,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}
