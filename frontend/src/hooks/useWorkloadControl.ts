import { useRef, useState } from "react";
import { startScenario, startWorkload, stopWorkload, updateWorkloadConfig, type WorkloadConfigPatch } from "../api/generator";
import { ApiError, isUnreachable } from "../api/transport";
import { type FieldErrors, fieldErrorFor } from "../lib/workloadForm";

export type ControlAction = "start" | "stop" | "apply" | "scenario" | "reset";
type Call = (token: string | null) => Promise<unknown>;

export const UNREACHABLE_MESSAGE = "Load generator unreachable. Is it running? This page reconnects by itself.";

export interface ControlOptions {
  /** Who is asked, in the messages: "load generator" or "API gateway". */
  service?: string;
  unreachableMessage?: string;
  /** Added to a 403's message: why the service refused and what would change it. */
  forbiddenHint?: string;
}

/**
 * Start, stop and reconfigure the generator (and, with other options, any protected control such
 * as the gateway's demo reset). A 401 asks for a token and, once it is given, replays the action
 * that was refused, so the person does not have to click twice.
 */
export function useWorkloadControl(token: string | null, afterChange: (result: unknown) => void, options: ControlOptions = {}) {
  const { service = "load generator", unreachableMessage = UNREACHABLE_MESSAGE, forbiddenHint } = options;
  const [busy, setBusy] = useState<ControlAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [needsToken, setNeedsToken] = useState(false);
  const refused = useRef<{ action: ControlAction; call: Call } | null>(null);

  async function run(action: ControlAction, call: Call, withToken: string | null = token) {
    setBusy(action);
    setError(null);
    setFieldErrors({});
    try {
      const result = await call(withToken);
      refused.current = null;
      setNeedsToken(false);
      afterChange(result);
    } catch (e) {
      // 401 is the token; a 403 is the operator's policy refusing the request, which no token changes.
      if (e instanceof ApiError && e.status === 401) {
        refused.current = { action, call };
        setNeedsToken(true);
        setError(
          withToken
            ? `The ${service} did not accept this token. Paste a valid one.`
            : `The ${service} needs an access token for this.`,
        );
      } else if (e instanceof ApiError && e.status === 403 && forbiddenHint) {
        setError(`Refused by the ${service} (403): ${e.message}. ${forbiddenHint}`);
      } else if (e instanceof ApiError && e.field) {
        // The generator names the field at fault; its message is not parsed for one.
        setFieldErrors(fieldErrorFor(e.field, e.message));
        setError(e.message);
      } else if (isUnreachable(e)) {
        setError(unreachableMessage);
      } else {
        setError(e instanceof Error ? e.message : String(e));
      }
    } finally {
      setBusy(null);
    }
  }

  return {
    busy,
    error,
    fieldErrors,
    needsToken,
    start: (config: WorkloadConfigPatch) => run("start", (t) => startWorkload(config, t)),
    stop: () => run("stop", (t) => stopWorkload(t)),
    apply: (config: WorkloadConfigPatch) => run("apply", (t) => updateWorkloadConfig(config, t)),
    /** A named scenario of the generator, e.g. the autoscaling demo. */
    runScenario: (name: string) => run("scenario", (t) => startScenario(name, t)),
    /** Any other protected call, with the same token handling. */
    perform: (action: ControlAction, call: Call) => run(action, call),
    /** Called with the token just entered: replays the refused action with it. */
    retryWith: (newToken: string | null) => {
      const pending = refused.current;
      if (pending) void run(pending.action, pending.call, newToken);
      else setNeedsToken(false);
    },
    setLocalErrors: (errors: FieldErrors) => {
      setFieldErrors(errors);
      setError(Object.keys(errors).length ? "Some values need fixing." : null);
    },
  };
}
