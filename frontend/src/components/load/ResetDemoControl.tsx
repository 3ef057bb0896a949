import { useState } from "react";
import { resetDemo, type ResetResponse } from "../../api/gateway";
import { useWorkloadControl } from "../../hooks/useWorkloadControl";
import { formatCount } from "../../lib/format";
import { ErrorMessage } from "../common/ErrorMessage";
import { Notice } from "../common/Notice";
import { TokenForm } from "./TokenForm";

interface Props {
  token: string | null;
  setToken: (token: string | null) => void;
  onReset: () => void;
}

/**
 * POST /system/reset behind a confirmation. The same token as the generator's controls (one field,
 * one sessionStorage entry); a 401 asks for it and replays, a 403 says why the gateway refused.
 */
export function ResetDemoControl({ token, setToken, onReset }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [deleted, setDeleted] = useState<number | null>(null);
  const control = useWorkloadControl(
    token,
    (result) => {
      setDeleted((result as ResetResponse).deleted);
      setConfirming(false);
      onReset();
    },
    {
      service: "API gateway",
      unreachableMessage: "API gateway unreachable: nothing was reset.",
      forbiddenHint: "Without ADMIN_TOKEN the gateway resets only for callers on its own machine; set ADMIN_TOKEN and use it here.",
    },
  );
  const busy = control.busy === "reset";

  return (
    <section className="card reset-demo" aria-labelledby="reset-heading" data-testid="reset-demo">
      <h3 id="reset-heading" className="chart-card__title">
        Reset the demo
      </h3>
      <p className="hint">Deletes every order and restores the stock, so the next run starts from a full catalogue.</p>
      {deleted !== null && !confirming && <Notice tone="success">Demo reset: {formatCount(deleted)} keys deleted.</Notice>}
      {control.error && <ErrorMessage>{control.error}</ErrorMessage>}
      {confirming ? (
        <div className="button-row" role="group" aria-label="Confirm the reset">
          <p className="reset-demo__question">Delete all orders and restore the stock?</p>
          <button type="button" className="button button--danger" disabled={busy} onClick={() => void control.perform("reset", resetDemo)}>
            {busy ? "Resetting…" : "Yes, reset the demo"}
          </button>
          <button type="button" className="button button--ghost" disabled={busy} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="button-row">
          <button
            type="button"
            className="button button--ghost"
            onClick={() => {
              setDeleted(null);
              setConfirming(true);
            }}
          >
            Reset demo…
          </button>
        </div>
      )}
      {control.needsToken && (
        <TokenForm
          idPrefix="reset"
          hasToken={Boolean(token)}
          heading="Access token required"
          text="The API gateway is protected (ADMIN_TOKEN). Paste its token; it is the same field as the load generator's and is kept only in this browser tab."
          onSave={(value) => {
            setToken(value);
            control.retryWith(value);
          }}
          onForget={() => setToken(null)}
        />
      )}
    </section>
  );
}
