import type { OrderStatus } from "../../api/gateway";

/** Decorative: the headline beside it says the same in words. */
export function StatusIcon({ status }: { status: OrderStatus }) {
  return (
    <span className={`status-icon status-icon--${status}`} aria-hidden="true">
      <svg viewBox="0 0 24 24" width="28" height="28" focusable="false">
        {status === "confirmed" && <path d="M5 12.5l4.5 4.5L19 7.5" />}
        {(status === "rejected" || status === "failed") && <path d="M7 7l10 10M17 7L7 17" />}
        {status === "pending" && <circle cx="12" cy="12" r="7" className="status-icon__spin" />}
      </svg>
    </span>
  );
}
