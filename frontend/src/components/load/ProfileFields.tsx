import type { FieldErrors, LoadFormDraft } from "../../lib/workloadForm";
import { LoadNumberField } from "./LoadNumberField";
import { StepListEditor } from "./StepListEditor";

interface Props {
  draft: LoadFormDraft;
  errors: FieldErrors;
  onChange: (patch: Partial<LoadFormDraft>) => void;
}

/** The inputs that belong to the chosen profile shape. */
export function ProfileFields({ draft, errors, onChange }: Props) {
  switch (draft.kind) {
    case "ramp":
      return (
        <div className="field-grid">
          <LoadNumberField path="profile.fromRps" label="From (rps)" value={draft.fromRps} errors={errors} onValue={(fromRps) => onChange({ fromRps })} />
          <LoadNumberField path="profile.toRps" label="To (rps)" value={draft.toRps} errors={errors} onValue={(toRps) => onChange({ toRps })} />
          <LoadNumberField path="profile.overS" label="Over (seconds)" value={draft.overS} errors={errors} onValue={(overS) => onChange({ overS })} />
        </div>
      );
    case "step":
      return <StepListEditor steps={draft.steps} errors={errors} onChange={(steps) => onChange({ steps })} />;
    case "spike":
      return (
        <div className="field-grid">
          <LoadNumberField path="profile.baseRps" label="Base rate (rps)" value={draft.baseRps} errors={errors} onValue={(baseRps) => onChange({ baseRps })} />
          <LoadNumberField path="profile.spikeRps" label="Spike rate (rps)" value={draft.spikeRps} errors={errors} onValue={(spikeRps) => onChange({ spikeRps })} />
          <LoadNumberField path="profile.everyS" label="Every (seconds)" value={draft.everyS} errors={errors} onValue={(everyS) => onChange({ everyS })} />
          <LoadNumberField path="profile.forS" label="Spike length (s)" value={draft.forS} errors={errors} onValue={(forS) => onChange({ forS })} />
        </div>
      );
    default:
      return (
        <LoadNumberField path="rps" label="Rate (requests per second)" value={draft.rps} errors={errors} onValue={(rps) => onChange({ rps })} />
      );
  }
}
