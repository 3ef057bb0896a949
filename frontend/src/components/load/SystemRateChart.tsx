import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ScalingEvent } from "../../api/gateway";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { formatRate } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";

/**
 * The whole system's throughput, from the gateway's totals: orders accepted per second (intake)
 * and decided per second by all workers, whoever sent them. Not the generator's followed sample.
 */
export function SystemRateChart({ history, events }: { history: DashboardSample[]; events?: ScalingEvent[] }) {
  const last = history[history.length - 1];
  const summary =
    last && (last.intakePerS !== null || last.decidedPerS !== null)
      ? `Now ${formatRate(last.intakePerS)} orders/s accepted, ${formatRate(last.decidedPerS)} decided/s by all workers`
      : "No data yet (needs two polls of the gateway's totals)";
  return (
    <ChartCard id="chart-system" title="System throughput: every order (3 s average)" summary={summary} wide>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={history} accessibilityLayer={false} margin={{ top: 16, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatRate(Number(v))} />
          <Legend />
          <Line name="Intake (accepted/s)" dataKey="intakePerS" stroke={COLORS.intake} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line name="Decisions/s (all workers)" dataKey="decidedPerS" stroke={COLORS.decided} strokeWidth={2.5} dot={false} isAnimationActive={false} />
          {eventMarkers(events, history)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
