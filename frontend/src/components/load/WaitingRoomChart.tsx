import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { RoomStats, ScalingEvent } from "../../api/gateway";
import { ApiError } from "../../api/transport";
import type { DashboardSample } from "../../lib/dashboardHistory";
import { formatCount, formatRate } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { CHART_HEIGHT, COLORS, INITIAL_DIMENSION, timeAxisProps, tooltipLabel, valueAxisProps } from "./chartTheme";
import { eventMarkers } from "./eventMarkers";

/** The workers drawn beside the room: the autoscaler's replicas, else the running processes. */
function workersOf(sample: DashboardSample): number | null {
  return sample.workerReplicas ?? sample.workerProcesses;
}

export function waitingRoomSummary(room: RoomStats | null, error: unknown, last: DashboardSample | undefined): string {
  if (!room) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      return "The waiting room's figures are for operators: open this page on the machine itself, or give the admin token.";
    }
    return error ? "The waiting room's figures cannot be read right now." : "No waiting room figures yet.";
  }
  if (room.state === "off") return "The waiting room is off: visitors buy directly.";
  const workers = last ? workersOf(last) : null;
  const mode = room.mode === "adaptive" ? "adaptive rate" : `fixed rate ${formatRate(room.rate)}/s`;
  return (
    `Room ${room.state} (${mode}): ${formatCount(room.queueLength)} waiting, ${formatRate(room.admissionRatePerSecond)} let in per second` +
    (workers !== null ? ` with ${workers} ${workers === 1 ? "worker" : "workers"}` : "") +
    `; ${formatCount(room.admittedTotal)} let in so far.`
  );
}

/**
 * The waiting room beside the workers: the line's length, the admission rate, and the worker count on
 * the same time axis, so that an adaptive room can be seen letting more in as workers are added.
 */
export function WaitingRoomChart({
  history,
  room,
  error,
  events,
}: {
  history: DashboardSample[];
  room: RoomStats | null;
  error: unknown;
  events?: ScalingEvent[];
}) {
  const data = history.map((s) => ({ t: s.t, queue: s.roomQueue, admitted: s.roomAdmittedPerS, workers: workersOf(s) }));
  return (
    <ChartCard id="chart-room" title="Waiting room" summary={waitingRoomSummary(room, error, history[history.length - 1])}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_DIMENSION}>
        <LineChart data={data} accessibilityLayer={false} margin={{ top: 16, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps} />
          <YAxis {...valueAxisProps} />
          <YAxis yAxisId="rate" orientation="right" {...valueAxisProps} allowDecimals />
          <Tooltip labelFormatter={tooltipLabel} />
          <Legend />
          <Line name="Waiting" dataKey="queue" type="monotone" stroke={COLORS.lag} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line yAxisId="rate" name="Let in per second" dataKey="admitted" type="monotone" stroke={COLORS.confirmed} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line yAxisId="rate" name="Workers" dataKey="workers" type="stepAfter" stroke={COLORS.workers} strokeDasharray="5 4" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          {eventMarkers(events, history)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
