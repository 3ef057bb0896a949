import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ThroughputPoint } from "../../lib/dashboardHistory";
import { formatRate } from "../../lib/format";
import type { ScalingEvent } from "../../api/gateway";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";
import { lead, type RunCaption } from "./scalingFormat";

/** `caption` says whether the last point is the live run's ("Now") or a finished run's. */
export function ThroughputChart({ points, caption, events }: { points: ThroughputPoint[]; caption?: RunCaption; events?: ScalingEvent[] }) {
  const last = points[points.length - 1];
  return (
    <ChartCard
      id="chart-throughput"
      title="Requests per second"
      summary={last ? `${lead(caption)} ${formatRate(last.rps)} achieved of ${formatRate(last.targetRps)} target` : "No data yet"}
    >
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={points} accessibilityLayer={false} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatRate(Number(v))} />
          <Legend />
          <Line
            name="Target"
            dataKey="targetRps"
            stroke={COLORS.target}
            strokeDasharray="6 4"
            strokeWidth={2}
            dot={false}
            type="stepAfter"
            isAnimationActive={false}
          />
          <Line name="Achieved" dataKey="rps" stroke={COLORS.achieved} strokeWidth={2.5} dot={false} isAnimationActive={false} />
          {eventMarkers(events, points)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
