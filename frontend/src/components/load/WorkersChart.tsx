import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ScalingEvent } from "../../api/gateway";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Replicas over time, as the autoscaler (or the HPA) reports them: scale-out shows as steps up.
 * Without a scaling view, the running worker processes, else the consumers that read recently.
 */
export function WorkersChart({ history, events }: { history: DashboardSample[]; events?: ScalingEvent[] }) {
  const last = history[history.length - 1];
  const hasReplicas = history.some((s) => s.workerReplicas !== null);
  const hasProcesses = history.some((s) => s.workerProcesses !== null);
  const hasGateway = history.some((s) => s.gatewayReplicas !== null);
  let summary = "No data yet";
  if (last?.workerReplicas != null) {
    summary = `Now ${plural(last.workerReplicas, "order-worker replica")} (desired ${last.workerDesired ?? "–"})`;
    if (last.gatewayReplicas != null) summary += `, ${last.gatewayReplicas} gateway ${last.gatewayReplicas === 1 ? "process" : "processes"}`;
  } else if (last?.workerProcesses != null) {
    summary = `Now ${plural(last.workerProcesses, "running worker")}`;
  } else if (last?.activeWorkers != null) {
    summary = `Now ${last.activeWorkers} active ${last.activeWorkers === 1 ? "worker" : "workers"}`;
  }
  return (
    <ChartCard id="chart-workers" title={hasReplicas ? "Replicas" : "Order workers"} summary={summary}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={history} accessibilityLayer={false} margin={{ top: 16, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} domain={[0, (max: number) => Math.max(2, max + 1)]} />
          <Tooltip labelFormatter={tooltipLabel} />
          <Legend />
          {hasReplicas
            ? [
                <Line key="current" name="Order workers (current)" dataKey="workerReplicas" type="stepAfter" stroke={COLORS.workers} strokeWidth={2.5} dot={false} isAnimationActive={false} />,
                <Line key="desired" name="Desired" dataKey="workerDesired" type="stepAfter" stroke={COLORS.desired} strokeDasharray="5 4" strokeWidth={1.5} dot={false} isAnimationActive={false} />,
                hasGateway && (
                  <Line key="gateway" name="Gateway processes" dataKey="gatewayReplicas" type="stepAfter" stroke={COLORS.gateway} strokeWidth={1.5} dot={false} isAnimationActive={false} />
                ),
              ]
            : (
                <Line
                  name={hasProcesses ? "Running workers" : "Active workers"}
                  dataKey={hasProcesses ? "workerProcesses" : "activeWorkers"}
                  type="stepAfter"
                  stroke={COLORS.workers}
                  strokeWidth={2.5}
                  dot={false}
                  isAnimationActive={false}
                />
              )}
          {eventMarkers(events, history)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
