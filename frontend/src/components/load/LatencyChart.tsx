import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ThroughputPoint } from "../../lib/dashboardHistory";
import { formatMs } from "../../lib/format";
import type { ScalingEvent } from "../../api/gateway";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";
import { lead, type RunCaption } from "./scalingFormat";

/** `caption` says whether the last point is the live run's ("Now") or a finished run's. */
export function LatencyChart({ points, caption, events }: { points: ThroughputPoint[]; caption?: RunCaption; events?: ScalingEvent[] }) {
  const last = points[points.length - 1];
  return (
    <ChartCard
      id="chart-latency"
      title="Order request latency"
      summary={last ? `${lead(caption)} p50 ${formatMs(last.p50Ms)}, p99 ${formatMs(last.p99Ms)}` : "No data yet"}
    >
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={points} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} unit=" ms" width={64} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatMs(Number(v))} />
          <Legend />
          <Line name="p50" dataKey="p50Ms" stroke={COLORS.p50} strokeWidth={2.5} dot={false} isAnimationActive={false} connectNulls />
          <Line name="p99" dataKey="p99Ms" stroke={COLORS.p99} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          {eventMarkers(events, points)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
