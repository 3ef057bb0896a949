/** The waiting room's figures as a visitor reads them. Pure functions, tested alone. */
import type { VisitorStatus } from "../api/gateway";
import type { QueueEvent } from "../api/live";

/** What the page knows of the visitor: a whole status from the gateway, updated by the live channel's events. */
export type QueueView = Partial<VisitorStatus> & Pick<VisitorStatus, "status">;

/** A `queue` event over what was known: the event carries only what changed, never the token. */
export function mergeQueueEvent(previous: QueueView | undefined, event: QueueEvent): QueueView {
  return { ...previous, ...event };
}

/** When to poll again: the gateway's own advice (it grows with the place in line), 2 s when it gave none. */
export function queuePollDelay(view: QueueView | undefined): number {
  const advised = view?.pollAfterMs;
  return typeof advised === "number" && advised > 0 ? Math.min(advised, 15_000) : 2_000;
}

/** "about 40 seconds", "about 3 minutes", "about 1 h 5 min"; null when it cannot be told (no admission yet). */
export function formatWait(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 10) return "a few seconds";
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest ? ` ${rest} min` : ""}`;
}

/**
 * How far through the line, 0 to 100: the part of the people ahead at the most seen so far who are
 * now behind us. Someone who joined with nobody ahead is at 100.
 */
export function progressPercent(mostAhead: number, ahead: number | null | undefined): number {
  if (ahead === null || ahead === undefined) return 0;
  if (mostAhead <= 0) return ahead <= 0 ? 100 : 0;
  return Math.round((Math.max(0, Math.min(mostAhead, mostAhead - ahead)) / mostAhead) * 100);
}

/** Whether the sale's opening time is still ahead on this browser's clock. */
export function opensLater(opensAt: string | null | undefined, now: number): boolean {
  if (!opensAt) return false;
  const at = Date.parse(opensAt);
  return !Number.isNaN(at) && at > now;
}
