import type { FieldErrors, StepDraft } from "../../lib/workloadForm";
import { LoadNumberField } from "./LoadNumberField";

interface Props {
  steps: StepDraft[];
  errors: FieldErrors;
  onChange: (steps: StepDraft[]) => void;
}

/** The "step" profile: hold each rate for a while, in order. */
export function StepListEditor({ steps, errors, onChange }: Props) {
  const update = (index: number, patch: Partial<StepDraft>) =>
    onChange(steps.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  return (
    <fieldset className="steps">
      <legend>Steps</legend>
      <ol className="steps__list">
        {steps.map((step, i) => (
          <li key={i} className="steps__row">
            <LoadNumberField
              path={`profile.steps.${i}.rps`}
              label={`Step ${i + 1} rate (rps)`}
              value={step.rps}
              errors={errors}
              onValue={(rps) => update(i, { rps })}
            />
            <LoadNumberField
              path={`profile.steps.${i}.forS`}
              label={`Step ${i + 1} length (s)`}
              value={step.forS}
              errors={errors}
              onValue={(forS) => update(i, { forS })}
            />
            <button
              type="button"
              className="link-button steps__remove"
              onClick={() => onChange(steps.filter((_, j) => j !== i))}
              disabled={steps.length <= 1}
            >
              Remove <span className="visually-hidden">step {i + 1}</span>
            </button>
          </li>
        ))}
      </ol>
      {errors["profile.steps"] && <p className="field__error">{errors["profile.steps"]}</p>}
      <button
        type="button"
        className="button button--ghost button--small"
        onClick={() => onChange([...steps, { rps: steps[steps.length - 1]?.rps ?? "20", forS: "30" }])}
      >
        Add step
      </button>
    </fieldset>
  );
}
