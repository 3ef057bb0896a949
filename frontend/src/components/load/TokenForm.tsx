import { type FormEvent, useState } from "react";

interface Props {
  hasToken: boolean;
  onSave: (token: string) => void;
  onForget: () => void;
}

/** The generator answered 401: it has an access token configured, and this tab needs it. */
export function TokenForm({ hasToken, onSave, onForget }: Props) {
  const [value, setValue] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onSave(value.trim());
  };
  return (
    <form className="token-form" onSubmit={submit} aria-labelledby="token-heading">
      <h3 id="token-heading" className="token-form__heading">
        Access token required
      </h3>
      <p className="hint">
        The load generator is protected. Paste its token; it is kept only in this browser tab (session storage).
      </p>
      <div className="field">
        <label htmlFor="workload-token">Access token</label>
        <input
          id="workload-token"
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
