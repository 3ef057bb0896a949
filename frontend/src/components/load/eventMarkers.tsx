import { ReferenceLine } from "recharts";
import type { ScalingEvent } from "../../api/gateway";
import { COLORS } from "./chartTheme";
import { eventsWithin } from "./scalingFormat";

/**
 * Vertical lines at the scaling events, for a chart whose x axis is epoch ms. Returned as an array
 * of elements (not a component) so the chart sees them as its direct children. Only the events
 * inside the time range of the chart's `points` are drawn.
 */
export function eventMarkers(events: ScalingEvent[] | undefined, points: { t: number }[]) {
  return eventsWithin(events, points).map(({ event: e, x }) => (
    <ReferenceLine
      key={`${e.time}-${e.target}-${e.to}`}
      x={x}
      stroke={e.to > e.from ? COLORS.scaleUp : COLORS.scaleDown}
      strokeDasharray="4 3"
      ifOverflow="discard"
      className="scaling-marker"
      label={{ value: `${e.from}→${e.to}`, position: "insideTopLeft", fontSize: 11, fill: COLORS.axis }}
    />
  ));
}
