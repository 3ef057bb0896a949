import { vi } from "vitest";

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Handler = (request: RecordedRequest, callIndex: number) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/**
 * Replaces fetch with a router keyed by "METHOD /path". Every request is recorded; a route
 * given an array answers with its items in turn, repeating the last one.
 */
export function mockFetch(routes: Record<string, Handler | Handler[]>) {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(String(input), "http://localhost");
    const method = init?.method ?? "GET";
    const raw = init?.body;
    const request: RecordedRequest = {
      method,
      url,
      headers: new Headers(init?.headers),
      body: typeof raw === "string" ? JSON.parse(raw) : undefined,
    };
    requests.push(request);
    const key = `${method} ${url.pathname}`;
    const route = routes[key];
    if (!route) return json(404, { error: `no mock for ${key}` });
    const index = counts.get(key) ?? 0;
    counts.set(key, index + 1);
    const handler = Array.isArray(route) ? route[Math.min(index, route.length - 1)] : route;
    return handler(request, index);
  });
  return {
    requests,
    to: (method: string, path: string) => requests.filter((r) => r.method === method && r.url.pathname === path),
  };
}
