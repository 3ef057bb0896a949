/**
 * The workload generator's calls, as the browser reaches it through nginx (`/workload/x` is the
 * generator's `/x`). Paths and bodies come from its OpenAPI document (./schema/generator.ts, `make
 * types`); where that document leaves a body untyped, from ./generatorTypes.ts (see Prefer).
 */
import type * as HandWritten from "./generatorTypes";
import { fillPath, type JsonRequest, type JsonResponse, type Prefer } from "./openapi";
import type { paths } from "./schema/generator";
import { request } from "./transport";

export type WorkloadStats = Prefer<JsonResponse<paths["/stats"]["get"], 200>, HandWritten.WorkloadStats>;
export type WorkloadConfig = Prefer<JsonResponse<paths["/config"]["get"], 200>, HandWritten.WorkloadConfig>;
export type WorkloadConfigPatch = Prefer<JsonRequest<paths["/config"]["put"]>, HandWritten.WorkloadConfigPatch>;
export type StartRequest = Prefer<JsonRequest<paths["/start"]["post"]>, HandWritten.WorkloadConfigPatch>;
export type StartResponse = Prefer<JsonResponse<paths["/start"]["post"], 200>, HandWritten.WorkloadStats>;
export type StopResponse = Prefer<JsonResponse<paths["/stop"]["post"], 200>, HandWritten.WorkloadStats>;

export type LoadProfile = WorkloadConfig["profile"];
export type ProfileKind = LoadProfile["kind"];
export type SeriesPoint = WorkloadStats["series"][number];

const WORKLOAD = "/workload";

function url<P extends keyof paths>(path: P): string {
  return WORKLOAD + fillPath(path);
}

function bearer(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function getWorkloadStats(token: string | null, signal?: AbortSignal): Promise<WorkloadStats> {
  return request(url("/stats"), { headers: bearer(token), signal, timeoutMs: 5_000 });
}

export function getWorkloadConfig(token: string | null, signal?: AbortSignal): Promise<WorkloadConfig> {
  return request(url("/config"), { headers: bearer(token), signal });
}

export function updateWorkloadConfig(patch: WorkloadConfigPatch, token: string | null): Promise<WorkloadConfig> {
  return request(url("/config"), { method: "PUT", body: patch, headers: bearer(token) });
}

export function startWorkload(config: StartRequest | undefined, token: string | null): Promise<StartResponse> {
  return request(url("/start"), { method: "POST", body: config ?? {}, headers: bearer(token) });
}

export function stopWorkload(token: string | null): Promise<StopResponse> {
  return request(url("/stop"), { method: "POST", headers: bearer(token) });
}
