import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";

/** The number of active order workers over time: scale-out shows as steps up. */
export function WorkersChart({ history }: { history: DashboardSample[] }) {
  const last = history[history.length - 1];
  const count = last?.activeWorkers;
  return (
    <ChartCard
      id="chart-workers"
      title="Active order workers"
      summary={count == null ? "No data yet" : `Now ${count} active ${count === 1 ? "worker" : "workers"}`}
    >
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={history} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} domain={[0, (max: number) => Math.max(2, max + 1)]} />
          <Tooltip labelFormatter={tooltipLabel} />
          <Line name="Active workers" dataKey="activeWorkers" type="stepAfter" stroke={COLORS.workers} strokeWidth={2.5} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
