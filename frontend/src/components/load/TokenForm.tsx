import { type FormEvent, useState } from "react";

interface Props {
  hasToken: boolean;
  onSave: (token: string) => void;
  onForget: () => void;
  /** Keeps ids unique when two forms are on the page (the generator's and the reset's). */
  idPrefix?: string;
  heading?: string;
  text?: string;
}

/** A control answered 401: its service has an access token configured, and this tab needs it. */
export function TokenForm({
  hasToken,
  onSave,
  onForget,
  idPrefix = "workload",
  heading = "Access token required",
  text = "The load generator is protected. Paste its token; it is kept only in this browser tab (session storage).",
}: Props) {
  const [value, setValue] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onSave(value.trim());
  };
  return (
    <form className="token-form" onSubmit={submit} aria-labelledby={`${idPrefix}-token-heading`}>
      <h3 id={`${idPrefix}-token-heading`} className="token-form__heading">
        {heading}
      </h3>
      <p className="hint">{text}</p>
      <div className="field">
        <label htmlFor={`${idPrefix}-token`}>Access token</label>
        <input
          id={`${idPrefix}-token`}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </div>
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={!value.trim()}>
          Use token
        </button>
        {hasToken && (
          <button type="button" className="button button--ghost" onClick={onForget}>
            Forget saved token
          </button>
        )}
      </div>
    </form>
  );
}
