import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_DRAFT, draftFromConfig, fieldErrorFor } from "./workloadForm";

describe("workload form", () => {
  it("builds a partial config with the chosen profile's numbers", () => {
    const { config, errors } = buildConfig({ ...DEFAULT_DRAFT, rps: "20", durationS: "10" });
    expect(errors).toEqual({});
    expect(config).toEqual({ rps: 20, durationS: 10, profile: { kind: "constant" } });

    const ramp = buildConfig({ ...DEFAULT_DRAFT, kind: "ramp", fromRps: "5", toRps: "50", overS: "60", durationS: "" });
    expect(ramp.config).toEqual({ rps: 20, durationS: null, profile: { kind: "ramp", fromRps: 5, toRps: 50, overS: 60 } });

    const steps = buildConfig({ ...DEFAULT_DRAFT, kind: "step", steps: [{ rps: "10", forS: "5" }, { rps: "40", forS: "5" }] });
    expect(steps.config?.profile).toEqual({ kind: "step", steps: [{ rps: 10, forS: 5 }, { rps: 40, forS: 5 }] });
  });

  it("names each input that holds no number", () => {
    const { config, errors } = buildConfig({ ...DEFAULT_DRAFT, kind: "spike", rps: "", spikeRps: "" });
    expect(config).toBeNull();
    expect(errors).toEqual({ rps: "Enter a number.", "profile.spikeRps": "Enter a number." });
  });

  it("fills the form from the generator's config", () => {
    const draft = draftFromConfig({ rps: 7, durationS: null, profile: { kind: "spike", baseRps: 1, spikeRps: 9, everyS: 30, forS: 3 } });
    expect(draft).toMatchObject({ rps: "7", durationS: "", kind: "spike", baseRps: "1", spikeRps: "9", everyS: "30", forS: "3" });
  });

  it("keys the generator's field as the form's inputs are, without the message's field prefix", () => {
    expect(fieldErrorFor("rps", "rps: Input should be less than or equal to 10000")).toEqual({
      rps: "Input should be less than or equal to 10000",
    });
    expect(fieldErrorFor("profile.steps[1].forS", "profile.steps[1].forS: Input should be greater than 0")).toEqual({
      "profile.steps.1.forS": "Input should be greater than 0",
    });
    // The field comes from `field`, never from the message: a message without the prefix is kept whole.
    expect(fieldErrorFor("rps", "above this generator's limit")).toEqual({ rps: "above this generator's limit" });
  });
});
