import { useHoldCountdown } from "../../hooks/useHoldCountdown";
import { describeCountdown, formatCountdown } from "../../lib/holdCountdown";
import { formatDateTime } from "../../lib/format";

/** How long the tickets stay held, ticking each second; the server's deadline is the one that counts. */
export function HoldCountdown({ holdExpiresAt }: { holdExpiresAt: string }) {
  const remaining = useHoldCountdown(holdExpiresAt);
  if (remaining === null) return null;
  if (remaining === 0) {
    return (
      <p className="hold hold--over" data-testid="hold-countdown">
        The hold has run out. Unless the payment was already on its way, the tickets are being released.
      </p>
    );
  }
  return (
    <p className="hold" data-testid="hold-countdown">
      Held for you for{" "}
      <span className="hold__time" role="timer" aria-label={describeCountdown(remaining)}>
        {formatCountdown(remaining)}
      </span>{" "}
      <span className="hold__until">(until {formatDateTime(holdExpiresAt)})</span>
    </p>
  );
}
