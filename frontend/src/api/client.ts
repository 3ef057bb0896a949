/**
 * The typed client for both back ends, as the browser sees them through nginx:
 * `/api/...` is the API gateway and `/workload/...` the workload generator.
 * Every call resolves to the parsed body or throws an ApiError / NetworkError,
 * so components never look at raw Responses.
 */

// ---------------------------------------------------------------- gateway types

export interface Ticket {
  id: string;
  name: string;
  type: string;
  price: number;
  currency: string;
  description: string;
  available: number;
}

export interface TicketFilters {
  type?: string;
  minPrice?: string;
  maxPrice?: string;
}

export const PAYMENT_METHODS = [
  "credit_card",
  "debit_card",
  "paypal",
  "apple_pay",
  "google_pay",
  "bank_transfer",
] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface CreateOrderRequest {
  customer: { name: string; email: string };
  items: { ticketId: string; qty: number }[];
  paymentMethod: PaymentMethod;
}

export interface CreateOrderResponse {
  orderId: string;
  status: OrderStatus;
  grandTotal: number;
  currency: string;
  message: string;
}

export type OrderStatus = "pending" | "confirmed" | "rejected" | "failed";

export interface OrderItem {
  ticketId: string;
  type: string;
  qty: number;
  unitPrice: number;
  total: number;
}

export interface Order {
  orderId: string;
  customer: { name: string; email: string };
  items: OrderItem[];
  grandTotal: number;
  currency: string;
  paymentMethod: string;
  status: OrderStatus;
  createdAt: string;
  decidedAt?: string | null;
  reason?: string | null;
}

export interface SystemStatus {
  time: string;
  stream: { length: number; lag: number; pending: number; deadLetter: number };
  consumers: { name: string; pending: number; idleMs: number }[];
  stock: { ticketId: string; type: string; initial: number; available: number; sold: number }[];
}

// ---------------------------------------------------------------- generator types

export type LoadProfile =
  | { kind: "constant" }
  | { kind: "ramp"; fromRps: number; toRps: number; overS: number }
  | { kind: "step"; steps: { rps: number; forS: number }[] }
  | { kind: "spike"; baseRps: number; spikeRps: number; everyS: number; forS: number };

export type ProfileKind = LoadProfile["kind"];

export interface WorkloadConfig {
  targetApi: string;
  rps: number;
  durationS: number | null;
  profile: LoadProfile;
  mix: Record<string, unknown>;
  timeoutS: number;
  maxInFlight: number;
  followShare: number;
}

export interface SeriesPoint {
  t: number;
  targetRps: number;
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  dropped: number;
  backpressure: number;
}

export interface WorkloadStats {
  running: boolean;
  startedAt: string | number | null;
  elapsedS: number | null;
  config: WorkloadConfig;
  targetRps: number;
  achievedRps: { last10s: number; overall: number };
  requests: {
    sent: number;
    succeeded: number;
    failed: number;
    dropped: number;
    inFlight: number;
    byStatus: Record<string, number>;
    byError: { timeout: number; connection: number; other: number };
  };
  latencyMs: {
    p50: number | null;
    p90: number | null;
    p99: number | null;
    p999: number | null;
    max: number | null;
    mean: number | null;
  };
  decisions: {
    followed: number;
    confirmed: number;
    rejected: number;
    failed: number;
    pending: number;
    timeToDecisionMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  };
  series: SeriesPoint[];
}

// ---------------------------------------------------------------- errors

/** The server answered with an error status; `field` names the request field at fault, if any. */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;
  readonly retryAfterS: number | null;

  constructor(status: number, message: string, field: string | null = null, retryAfterS: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
    this.retryAfterS = retryAfterS;
  }

  /** nginx answers 502/504 when the upstream is down; 503 is the service saying "not now". */
  get isUnavailable(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** The request never got an answer (offline, connection refused, aborted by a timeout). */
export class NetworkError extends Error {
  constructor(message = "the server could not be reached") {
    super(message);
    this.name = "NetworkError";
  }
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && error.isUnavailable);
}

// ---------------------------------------------------------------- transport

const DEFAULT_TIMEOUT_MS = 10_000;

interface RequestOptions {
  method?: "GET" | "POST" | "PUT";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

async function request<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const { signal, release } = withTimeout(options.signal, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
      credentials: "same-origin",
    });
  } catch (error) {
    // A caller's own abort is not a network problem: let it through untouched.
    if (options.signal?.aborted) throw error;
    throw new NetworkError();
  } finally {
    release();
  }

  const body = await readJson(response);
  if (!response.ok) throw toApiError(response, body);
  return body as T;
}

/** The caller's signal plus a deadline; written out because AbortSignal.any is too new for some browsers. */
function withTimeout(outer: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, timeoutMs);
  if (outer?.aborted) controller.abort();
  outer?.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", abort);
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  const retryAfter = Number(response.headers.get("Retry-After"));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  if (body && typeof body === "object") {
    const { error, field, detail } = body as { error?: unknown; field?: unknown; detail?: unknown };
    if (typeof error === "string") {
      return new ApiError(response.status, error, typeof field === "string" ? field : null, retryAfterS);
    }
    // FastAPI's own validation answer, in case the generator does not reshape it.
    if (Array.isArray(detail) && detail[0]?.msg) {
      const loc = (detail[0].loc ?? []).filter((p: unknown) => p !== "body").join(".");
      return new ApiError(response.status, loc ? `${loc}: ${detail[0].msg}` : detail[0].msg, null, retryAfterS);
    }
    if (typeof detail === "string") return new ApiError(response.status, detail, null, retryAfterS);
  }
  return new ApiError(response.status, `the server answered HTTP ${response.status}`, null, retryAfterS);
}

// ---------------------------------------------------------------- gateway calls

const API = "/api";

export function ticketsQuery(filters: TicketFilters): string {
  const params = new URLSearchParams();
  if (filters.type) params.set("type", filters.type);
  if (filters.minPrice) params.set("min_price", filters.minPrice);
  if (filters.maxPrice) params.set("max_price", filters.maxPrice);
  const query = params.toString();
  return query ? `?${query}` : "";
}

export async function listTickets(filters: TicketFilters = {}, signal?: AbortSignal): Promise<Ticket[]> {
  const body = await request<{ tickets: Ticket[] }>(`${API}/tickets${ticketsQuery(filters)}`, { signal });
  return body.tickets;
}

export function createOrder(
  order: CreateOrderRequest,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<CreateOrderResponse> {
  return request(`${API}/orders`, {
    method: "POST",
    body: order,
    headers: { "Idempotency-Key": idempotencyKey },
    signal,
  });
}

export function getOrder(orderId: string, signal?: AbortSignal): Promise<Order> {
  return request(`${API}/orders/${encodeURIComponent(orderId)}`, { signal });
}

export function getSystemStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return request(`${API}/system/status`, { signal, timeoutMs: 5_000 });
}

// ---------------------------------------------------------------- generator calls

const WORKLOAD = "/workload";

function bearer(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function getWorkloadStats(token: string | null, signal?: AbortSignal): Promise<WorkloadStats> {
  return request(`${WORKLOAD}/stats`, { headers: bearer(token), signal, timeoutMs: 5_000 });
}

export function getWorkloadConfig(token: string | null, signal?: AbortSignal): Promise<WorkloadConfig> {
  return request(`${WORKLOAD}/config`, { headers: bearer(token), signal });
}

export function updateWorkloadConfig(config: Partial<WorkloadConfig>, token: string | null): Promise<WorkloadConfig> {
  return request(`${WORKLOAD}/config`, { method: "PUT", body: config, headers: bearer(token) });
}

export function startWorkload(config: Partial<WorkloadConfig> | undefined, token: string | null): Promise<unknown> {
  return request(`${WORKLOAD}/start`, { method: "POST", body: config ?? {}, headers: bearer(token) });
}

export function stopWorkload(token: string | null): Promise<unknown> {
  return request(`${WORKLOAD}/stop`, { method: "POST", headers: bearer(token) });
}
