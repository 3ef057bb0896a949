import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DashboardSample, PaymentOutcome } from "../../lib/dashboardHistory";
import { formatRate } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";

const LINES: { outcome: PaymentOutcome; name: string; color: string; dash?: string }[] = [
  { outcome: "approved", name: "Approved", color: COLORS.confirmed },
  { outcome: "declined", name: "Declined", color: COLORS.rejected },
  { outcome: "error", name: "Error", color: COLORS.failed },
  { outcome: "timeout", name: "Timeout", color: COLORS.errors },
  { outcome: "refunded", name: "Refunded", color: COLORS.dropped, dash: "6 3" },
];

/**
 * Every order's charge outcome per second, and holds expired per second, from the gateway's exact
 * totals (counted in the Lua step that ends each order): the whole system, not the followed sample.
 */
export function PaymentsChart({ history }: { history: DashboardSample[] }) {
  const last = history[history.length - 1];
  const known = last && (last.expiredPerS !== null || LINES.some((l) => last.paymentsPerS[l.outcome] !== null));
  const summary = known
    ? `Per second now: ${LINES.map((l) => `${formatRate(last.paymentsPerS[l.outcome])} ${l.name.toLowerCase()}`).join(", ")}; ` +
      `${formatRate(last.expiredPerS)} holds expired`
    : "No data yet (needs two polls of the gateway's totals)";
  const data = history.map((s) => ({
    t: s.t,
    expiredPerS: s.expiredPerS,
    ...Object.fromEntries(LINES.map((l) => [l.outcome, s.paymentsPerS[l.outcome]])),
  }));
  return (
    <ChartCard id="chart-payments" title="Payments by outcome and expired holds per second (3 s average)" summary={summary}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatRate(Number(v))} />
          <Legend />
          {LINES.map((l) => (
            <Line
              key={l.outcome}
              name={l.name}
              dataKey={l.outcome}
              stroke={l.color}
              strokeWidth={2}
              strokeDasharray={l.dash}
              dot={false}
              isAnimationActive={false}
            />
          ))}
          <Line name="Holds expired" dataKey="expiredPerS" stroke={COLORS.lag} strokeWidth={2.5} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
