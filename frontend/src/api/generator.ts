/**
 * The workload generator's calls, as the browser reaches it through nginx (`/workload/x` is the
 * generator's `/x`). Paths and bodies come from its OpenAPI document (./schema/generator.ts, `make
 * types`), so tsc checks every use against the generator's own models.
 */
import { fillPath, type JsonRequest, type JsonResponse } from "./openapi";
import type { paths } from "./schema/generator";
import { request } from "./transport";

export type WorkloadStats = JsonResponse<paths["/stats"]["get"], 200>;
export type WorkloadConfig = JsonResponse<paths["/config"]["get"], 200>;
export type WorkloadConfigPatch = JsonRequest<paths["/config"]["put"]>;
export type StartRequest = JsonRequest<paths["/start"]["post"]>;
export type StartResponse = JsonResponse<paths["/start"]["post"], 200>;
export type StopResponse = JsonResponse<paths["/stop"]["post"], 200>;
export type ScenariosResponse = JsonResponse<paths["/scenarios"]["get"], 200>;
export type Scenario = ScenariosResponse["scenarios"][number];
export type StageWindow = Scenario["timeline"][number];
export type ErrorSample = WorkloadStats["errorSamples"][string][number];

export type LoadProfile = NonNullable<WorkloadConfig["profile"]>;
export type ProfileKind = LoadProfile["kind"];
export type SeriesPoint = WorkloadStats["series"][number];

// Frontend-only: the one scenario the dashboard's one-click demo runs (the generator offers it by this name).
export const AUTOSCALING_DEMO = "autoscaling-demo";

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

/** A run of a named scenario (e.g. the autoscaling demo) instead of the stored config. */
export function startScenario(scenario: string, token: string | null): Promise<StartResponse> {
  const body: StartRequest = { scenario };
  return request(url("/start"), { method: "POST", body, headers: bearer(token) });
}

/** The scenarios the generator offers, with their stages and total duration. */
export async function getScenarios(token: string | null, signal?: AbortSignal): Promise<Scenario[]> {
  const body = await request<ScenariosResponse>(url("/scenarios"), { headers: bearer(token), signal });
  return body.scenarios;
}
