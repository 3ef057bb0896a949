import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ScalingEvent, SystemStatus } from "../../api/gateway";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { formatCount } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";

/** Lag: orders no worker has picked up yet. Pending: picked up, not yet acknowledged. */
export function BacklogChart({
  history,
  stream,
  events,
}: {
  history: DashboardSample[];
  stream: SystemStatus["stream"] | null;
  events?: ScalingEvent[];
}) {
  const summary = stream
    ? `Now ${formatCount(stream.lag)} waiting, ${formatCount(stream.pending)} in progress` +
      (stream.deadLetter ? `, ${formatCount(stream.deadLetter)} dead-lettered` : "")
    : "No data yet";
  return (
    <ChartCard id="chart-backlog" title="Order stream backlog" summary={summary}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <AreaChart data={history} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatCount(Number(v))} />
          <Legend />
          <Area name="Waiting (lag)" dataKey="lag" stroke={COLORS.lag} fill={COLORS.lag} fillOpacity={0.25} isAnimationActive={false} />
          <Area name="In progress (pending)" dataKey="pending" stroke={COLORS.pending} fill={COLORS.pending} fillOpacity={0.2} isAnimationActive={false} />
          {eventMarkers(events, history)}
        </AreaChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
