import type { FormEvent } from "react";
import type { TicketFilters as Filters } from "../../api/gateway";
import { humanize } from "../../lib/format";
import { FieldError } from "../common/FieldError";

interface Props {
  value: Filters;
  types: string[];
  onChange: (next: Filters) => void;
  /** The API's 400 answer for a bad range, with the query parameter it names. */
  error?: { field: string | null; message: string };
}

const ERROR_ID = "filter-error";

export function TicketFilters({ value, types, onChange, error }: Props) {
  const update = (patch: Partial<Filters>) => onChange({ ...value, ...patch });
  const describedBy = (param: string) => (error && (error.field === param || !error.field) ? ERROR_ID : undefined);
  const isFiltered = Boolean(value.type || value.minPrice || value.maxPrice);

  return (
    <form className="filters" role="search" aria-label="Filter tickets" onSubmit={(e: FormEvent) => e.preventDefault()}>
      <div className="field">
        <label htmlFor="filter-type">Ticket type</label>
        <select id="filter-type" value={value.type ?? ""} onChange={(e) => update({ type: e.target.value })}>
          <option value="">All types</option>
          {types.map((type) => (
            <option key={type} value={type}>
              {humanize(type)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-min">Min price</label>
        <input
          id="filter-min"
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          placeholder="0"
          value={value.minPrice ?? ""}
          aria-invalid={error?.field === "min_price" || undefined}
          aria-describedby={describedBy("min_price")}
          onChange={(e) => update({ minPrice: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="filter-max">Max price</label>
        <input
          id="filter-max"
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          placeholder="Any"
          value={value.maxPrice ?? ""}
          aria-invalid={error?.field === "max_price" || undefined}
          aria-describedby={describedBy("max_price")}
          onChange={(e) => update({ maxPrice: e.target.value })}
        />
      </div>
      <button
        type="button"
        className="button button--ghost filters__clear"
        disabled={!isFiltered}
        onClick={() => onChange({ type: "", minPrice: "", maxPrice: "" })}
      >
        Clear filters
      </button>
      <div className="filters__error" aria-live="polite">
        <FieldError id={ERROR_ID} message={error?.message} />
      </div>
    </form>
  );
}
