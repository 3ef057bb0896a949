/**
 * HTTP for both back ends: JSON in and out, a deadline, and every failure as an ApiError (the
 * server answered with an error status) or a NetworkError (no answer), so that components never
 * look at raw Responses. Both services answer errors as `{"error": "<field>: <message>", "field"}`.
 */
import type { components } from "./schema/gateway";

/** The error body both services send (the gateway's document describes it). */
export type ErrorBody = components["schemas"]["Error"];

/** The server answered with an error status; `field` names the request field at fault, if any. */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;
  readonly retryAfterS: number | null;
  /** The whole error body, for the few answers that carry more than a message (e.g. 425's `opensAt`). */
  readonly body: unknown;

  constructor(
    status: number,
    message: string,
    field: string | null = null,
    retryAfterS: number | null = null,
    body: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
    this.retryAfterS = retryAfterS;
    this.body = body;
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

const DEFAULT_TIMEOUT_MS = 10_000;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The parsed body; `T` is the caller's word for it, taken from the generated schema. */
export async function request<T>(url: string, options: RequestOptions = {}): Promise<T> {
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
    const { error, field } = body as Partial<Record<keyof ErrorBody, unknown>>;
    if (typeof error === "string") {
      return new ApiError(response.status, error, typeof field === "string" ? field : null, retryAfterS, body);
    }
  }
  // Not the services' error body: an nginx page for a down upstream, or a proxy in between.
  return new ApiError(response.status, `the server answered HTTP ${response.status}`, null, retryAfterS);
}
