import type { CatalogueEvent, SaleState } from "../../api/gateway";
import { saleStateText } from "../../lib/events";

const TONE: Record<SaleState, string> = {
  open: "badge--ok",
  scheduled: "badge--low",
  closed: "badge--muted",
};

/** The sale's state as a badge: on sale, opening at a time, or closed. */
export function SaleStateBadge({ event }: { event: Pick<CatalogueEvent, "saleState" | "saleOpensAt"> }) {
  return (
    <span className={`badge ${TONE[event.saleState] ?? "badge--muted"}`} data-testid="sale-state">
      {saleStateText(event)}
    </span>
  );
}
