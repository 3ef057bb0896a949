/**
 * The load-control form as text fields (what inputs hold) and its conversion to the
 * generator's partial config, plus where the generator's 400 `{error, field}` belongs in the form.
 */
import type { LoadProfile, ProfileKind, WorkloadConfig, WorkloadConfigPatch } from "../api/generator";
import { messageWithoutField } from "./checkoutErrors";

export interface StepDraft {
  rps: string;
  forS: string;
}

export interface LoadFormDraft {
  rps: string;
  durationS: string; // empty: run until stopped
  kind: FormProfileKind;
  fromRps: string;
  toRps: string;
  overS: string;
  steps: StepDraft[];
  baseRps: string;
  spikeRps: string;
  everyS: string;
  forS: string;
}

/** The kinds this form edits; a staged profile comes from a named scenario (GET /scenarios), not the form. */
export type FormProfileKind = Exclude<ProfileKind, "stages">;

export const PROFILE_LABELS: Record<FormProfileKind, string> = {
  constant: "Constant rate",
  ramp: "Ramp",
  step: "Steps",
  spike: "Spikes",
};

export const DEFAULT_DRAFT: LoadFormDraft = {
  rps: "20",
  durationS: "",
  kind: "constant",
  fromRps: "10",
  toRps: "200",
  overS: "120",
  steps: [
    { rps: "20", forS: "30" },
    { rps: "100", forS: "60" },
    { rps: "20", forS: "30" },
  ],
  baseRps: "20",
  spikeRps: "200",
  everyS: "60",
  forS: "10",
};

const text = (value: number | null | undefined, fallback: string) =>
  value === null || value === undefined || !Number.isFinite(value) ? fallback : String(value);

/** The form filled from the generator's current config; fields it does not use keep defaults. */
export function draftFromConfig(config: WorkloadConfig | null | undefined): LoadFormDraft {
  const draft: LoadFormDraft = { ...DEFAULT_DRAFT, steps: DEFAULT_DRAFT.steps.map((s) => ({ ...s })) };
  if (!config) return draft;
  draft.rps = text(config.rps, draft.rps);
  draft.durationS = config.durationS == null ? "" : String(config.durationS);
  const profile = config.profile;
  if (!profile) return draft;
  if (profile.kind === "stages") return draft; // a scenario's profile: the form keeps its defaults
  draft.kind = profile.kind;
  if (profile.kind === "ramp") {
    draft.fromRps = text(profile.fromRps, draft.fromRps);
    draft.toRps = text(profile.toRps, draft.toRps);
    draft.overS = text(profile.overS, draft.overS);
  } else if (profile.kind === "step" && Array.isArray(profile.steps) && profile.steps.length) {
    draft.steps = profile.steps.map((s) => ({ rps: text(s.rps, ""), forS: text(s.forS, "") }));
  } else if (profile.kind === "spike") {
    draft.baseRps = text(profile.baseRps, draft.baseRps);
    draft.spikeRps = text(profile.spikeRps, draft.spikeRps);
    draft.everyS = text(profile.everyS, draft.everyS);
    draft.forS = text(profile.forS, draft.forS);
  }
  return draft;
}

export type FieldErrors = Record<string, string>;

/**
 * The partial config to send, or what is missing. Only "is it a number" is checked here;
 * ranges and limits are the generator's rules, and its 400 is shown beside the field it names.
 */
export function buildConfig(draft: LoadFormDraft): { config: WorkloadConfigPatch | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const num = (path: string, value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(n)) errors[path] = "Enter a number.";
    return n;
  };

  const rps = num("rps", draft.rps);
  const durationS = draft.durationS.trim() === "" ? null : num("durationS", draft.durationS);
  let profile: LoadProfile;
  switch (draft.kind) {
    case "ramp":
      profile = {
        kind: "ramp",
        fromRps: num("profile.fromRps", draft.fromRps),
        toRps: num("profile.toRps", draft.toRps),
        overS: num("profile.overS", draft.overS),
      };
      break;
    case "step":
      if (draft.steps.length === 0) errors["profile.steps"] = "Add at least one step.";
      profile = {
        kind: "step",
        steps: draft.steps.map((s, i) => ({ rps: num(`profile.steps.${i}.rps`, s.rps), forS: num(`profile.steps.${i}.forS`, s.forS) })),
      };
      break;
    case "spike":
      profile = {
        kind: "spike",
        baseRps: num("profile.baseRps", draft.baseRps),
        spikeRps: num("profile.spikeRps", draft.spikeRps),
        everyS: num("profile.everyS", draft.everyS),
        forS: num("profile.forS", draft.forS),
      };
      break;
    default:
      profile = { kind: "constant" };
  }
  if (Object.keys(errors).length) return { config: null, errors };
  return { config: { rps, durationS, profile }, errors };
}

/** "profile.steps[1].rps" and "profile.steps.1.rps" name the same input: one spelling for both. */
export function normalizeFieldPath(path: string): string {
  return path.replace(/\[(\d+)\]/g, ".$1").replace(/^body\./, "");
}

/**
 * The generator's error for the field it names (`field` of its 400), keyed as the form's inputs are,
 * with the message's redundant leading "<field>: " dropped.
 */
export function fieldErrorFor(field: string, message: string): FieldErrors {
  return { [normalizeFieldPath(field)]: messageWithoutField(message, field) };
}
