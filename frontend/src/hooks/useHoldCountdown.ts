import { useEffect, useState } from "react";
import { holdRemainingMs } from "../lib/holdCountdown";

/** The milliseconds left until `holdExpiresAt`, updated every second while it runs; null without a deadline. */
export function useHoldCountdown(holdExpiresAt: string | null | undefined, tickMs = 1_000): number | null {
  const [now, setNow] = useState(() => Date.now());
  const remaining = holdRemainingMs(holdExpiresAt, now);
  const running = remaining !== null && remaining > 0;

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [running, tickMs]);

  return remaining;
}
