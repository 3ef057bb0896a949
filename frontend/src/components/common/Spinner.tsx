export function Spinner({ label }: { label: string }) {
  return (
    <p className="spinner" role="status">
      <span className="spinner__circle" aria-hidden="true" />
      {label}
    </p>
  );
}
