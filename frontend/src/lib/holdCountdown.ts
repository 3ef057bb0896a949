/**
 * The time left on a hold, from its deadline (holdExpiresAt, the server's clock) and this page's clock.
 * The server alone decides when a hold has run out (it answers 410, or the order turns `expired`); the
 * countdown is the customer's guide, so a few seconds of clock difference only shift what it shows.
 */

/** Milliseconds left, never negative; null when the deadline is missing or unreadable. */
export function holdRemainingMs(holdExpiresAt: string | null | undefined, nowMs: number): number | null {
  if (!holdExpiresAt) return null;
  const deadline = Date.parse(holdExpiresAt);
  if (Number.isNaN(deadline)) return null;
  return Math.max(0, deadline - nowMs);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "14:05", or "1:02:03" past an hour. Rounded up, so "0:00" is shown only once the time is really up. */
export function formatCountdown(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** The same in words, for screen readers: "14 minutes 5 seconds". */
export function describeCountdown(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const parts: string[] = [];
  if (minutes) parts.push(`${minutes} ${minutes === 1 ? "minute" : "minutes"}`);
  if (seconds || !minutes) parts.push(`${seconds} ${seconds === 1 ? "second" : "seconds"}`);
  return parts.join(" ");
}
