import type { SaleState } from "../../api/gateway";
import { effectiveSaleState, type SaleView, saleStateText } from "../../lib/events";

const TONE: Record<SaleState, string> = {
  open: "badge--ok",
  scheduled: "badge--low",
  closed: "badge--muted",
};

/** The sale's state as a badge: on sale, opening at a time, or closed. */
export function SaleStateBadge({ event }: { event: SaleView }) {
  return (
    <span className={`badge ${TONE[effectiveSaleState(event)] ?? "badge--muted"}`} data-testid="sale-state">
      {saleStateText(event)}
    </span>
  );
}
