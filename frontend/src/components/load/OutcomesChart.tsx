import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { formatRate } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";

/**
 * Decided orders and failed requests per second, as the generator counted them: the decisions of
 * the orders it follows (a sample, see SystemRateChart for all of them) and its request errors. Lines, not a
 * stack: a stacked series would draw its edge at the running total and look like it is non-zero.
 */
export function OutcomesChart({ history }: { history: DashboardSample[] }) {
  const last = history[history.length - 1];
  const summary = last
    ? `Per second now: ${formatRate(last.confirmedPerS)} confirmed, ${formatRate(last.rejectedPerS)} rejected, ` +
      `${formatRate(last.failedPerS)} failed; ${formatRate(last.errorsPerS)} request errors`
    : "No data yet";
  return (
    <ChartCard id="chart-outcomes" title="Followed sample: outcomes and errors per second (3 s average)" summary={summary}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={history} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatRate(Number(v))} />
          <Legend />
          <Line name="Confirmed" dataKey="confirmedPerS" stroke={COLORS.confirmed} strokeWidth={2.5} dot={false} isAnimationActive={false} />
          <Line name="Rejected" dataKey="rejectedPerS" stroke={COLORS.rejected} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line name="Failed" dataKey="failedPerS" stroke={COLORS.failed} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line name="Request errors" dataKey="errorsPerS" stroke={COLORS.errors} strokeWidth={2} strokeDasharray="6 3" dot={false} isAnimationActive={false} />
          <Line name="Dropped" dataKey="droppedPerS" stroke={COLORS.dropped} strokeWidth={1.5} strokeDasharray="2 3" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
