import { formatClock } from "../../lib/format";

/** Shows that a view refreshes itself, and when it last did. */
export function LiveIndicator({ updatedAt, stale }: { updatedAt: number | null; stale?: boolean }) {
  return (
    <p className={`live ${stale ? "live--stale" : ""}`}>
      <span className="live__dot" aria-hidden="true" />
      {stale ? "Reconnecting…" : "Live"}
      {updatedAt !== null && <span className="live__time"> · updated {formatClock(updatedAt)}</span>}
    </p>
  );
}
