import type { OrderStatus } from "../../api/gateway";
import { isReleased } from "../../lib/orderLifecycle";

/** Decorative: the headline beside it says the same in words. */
export function StatusIcon({ status }: { status: OrderStatus }) {
  const tone = status === "rejected" || status === "failed" || isReleased(status) ? "bad" : status;
  return (
    <span className={`status-icon status-icon--${tone}`} aria-hidden="true">
      <svg viewBox="0 0 24 24" width="28" height="28" focusable="false">
        {status === "confirmed" && <path d="M5 12.5l4.5 4.5L19 7.5" />}
        {tone === "bad" && <path d="M7 7l10 10M17 7L7 17" />}
        {(status === "pending" || status === "paying") && <circle cx="12" cy="12" r="7" className="status-icon__spin" />}
        {status === "reserved" && (
          <>
            <circle cx="12" cy="12" r="7.5" />
            <path d="M12 8v4.5l3 2" />
          </>
        )}
      </svg>
    </span>
  );
}
