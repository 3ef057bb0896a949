import type { FormEvent } from "react";
import type { EventFilters as Filters } from "../../api/gateway";
import { FieldError } from "../common/FieldError";

interface Props {
  value: Filters;
  onChange: (next: Filters) => void;
  /** The API's 400 answer for a bad filter. */
  error?: string;
}

const ERROR_ID = "event-filter-error";

export function EventFilters({ value, onChange, error }: Props) {
  const update = (patch: Partial<Filters>) => onChange({ ...value, ...patch });
  const isFiltered = Boolean(value.q || value.onSale);
  return (
    <form
      className="filters event-filters"
      role="search"
      aria-label="Filter events"
      onSubmit={(e: FormEvent) => e.preventDefault()}
    >
      <div className="field">
        <label htmlFor="event-filter-q">Event name</label>
        <input
          id="event-filter-q"
          type="search"
          placeholder="Any event"
          autoComplete="off"
          value={value.q ?? ""}
          aria-invalid={Boolean(error) || undefined}
          aria-describedby={error ? ERROR_ID : undefined}
          onChange={(e) => update({ q: e.target.value })}
        />
      </div>
      <div className="checkbox-field event-filters__onsale">
        <input
          id="event-filter-onsale"
          type="checkbox"
          checked={Boolean(value.onSale)}
          onChange={(e) => update({ onSale: e.target.checked })}
        />
        <label htmlFor="event-filter-onsale">On sale now</label>
      </div>
      <button
        type="button"
        className="button button--ghost filters__clear"
        disabled={!isFiltered}
        onClick={() => onChange({ q: "", onSale: false })}
      >
        Clear filters
      </button>
      <div className="filters__error" aria-live="polite">
        <FieldError id={ERROR_ID} message={error} />
      </div>
    </form>
  );
}
