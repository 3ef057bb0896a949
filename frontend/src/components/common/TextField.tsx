import type { InputHTMLAttributes } from "react";
import { FieldError } from "./FieldError";

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "onChange" | "value"> {
  id: string;
  label: string;
  value: string;
  error?: string;
  onValue: (value: string) => void;
}

/** A labelled input whose error sits right under it and is tied to it for screen readers. */
export function TextField({ id, label, value, error, onValue, ...input }: Props) {
  const errorId = `${id}-error`;
  return (
    <div className={`field ${error ? "field--invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        aria-invalid={Boolean(error) || undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => onValue(e.target.value)}
        {...input}
      />
      <FieldError id={errorId} message={error} />
    </div>
  );
}
