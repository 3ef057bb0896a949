/**
 * Colours and axis settings shared by the dashboard's charts. The palette is colour-blind
 * safe (after Okabe & Ito) and every colour keeps at least 3:1 contrast on white.
 */
import { formatClock } from "../../lib/format";

export const COLORS = {
  target: "#6b7280",
  achieved: "#4338ca",
  p50: "#0f766e",
  p99: "#c2410c",
  confirmed: "#15803d",
  rejected: "#b45309",
  failed: "#b91c1c",
  errors: "#7e22ce",
  dropped: "#db2777",
  lag: "#2563eb",
  pending: "#c2410c",
  workers: "#4338ca",
  desired: "#6b7280",
  gateway: "#0f766e",
  intake: "#2563eb",
  decided: "#15803d",
  scaleUp: "#b45309",
  scaleDown: "#0369a1",
  available: "#0f766e",
  held: "#b45309",
  sold: "#cbd5e1",
  grid: "#e5e7eb",
  axis: "#4b5563",
} as const;

export const CHART_HEIGHT = 220;

/** jsdom (tests) has no layout; charts render at this size until measured. */
export const INITIAL_DIMENSION = { width: 560, height: CHART_HEIGHT };

export const timeAxisProps = {
  dataKey: "t",
  type: "number" as const,
  scale: "time" as const,
  domain: ["dataMin", "dataMax"] as [string, string],
  tickFormatter: (t: number) => formatClock(t),
  minTickGap: 48,
  stroke: COLORS.axis,
  fontSize: 12,
};

export const valueAxisProps = {
  stroke: COLORS.axis,
  fontSize: 12,
  width: 48,
  allowDecimals: false,
};

export const tooltipLabel = (t: unknown) => (typeof t === "number" ? formatClock(t) : String(t));
