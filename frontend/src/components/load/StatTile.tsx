interface Props {
  label: string;
  value: string;
  hint?: string;
  tone?: "default" | "good" | "warn" | "bad";
}

/** One headline number. A <div> in a <dl> keeps label and value paired for assistive tech. */
export function StatTile({ label, value, hint, tone = "default" }: Props) {
  return (
    <div className={`stat stat--${tone}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value}</dd>
      {hint && <dd className="stat__hint">{hint}</dd>}
    </div>
  );
}
