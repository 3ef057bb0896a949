import type { FieldErrors } from "../../lib/workloadForm";
import { TextField } from "../common/TextField";

interface Props {
  /** The config path this input edits, e.g. "profile.steps.0.rps"; errors are keyed by it. */
  path: string;
  label: string;
  value: string;
  errors: FieldErrors;
  onValue: (value: string) => void;
  placeholder?: string;
  min?: number;
  step?: number | "any";
}

export function fieldId(path: string): string {
  return `load-${path.replace(/\./g, "-")}`;
}

export function LoadNumberField({ path, label, value, errors, onValue, placeholder, min = 0, step = "any" }: Props) {
  return (
    <TextField
      id={fieldId(path)}
      label={label}
      type="number"
      inputMode="decimal"
      min={min}
      step={step}
      placeholder={placeholder}
      value={value}
      error={errors[path]}
      onValue={onValue}
    />
  );
}
