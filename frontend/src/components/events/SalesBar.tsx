import type { SalesFigures } from "../../api/gateway";
import { salesShares } from "../../lib/events";

/** Sold, held and available as one bar; decoration only: the table beside it has the numbers. */
export function SalesBar({ figures }: { figures: SalesFigures }) {
  const shares = salesShares(figures);
  return (
    <div className="sales-bar" aria-hidden="true">
      <span className="sales-bar__sold" style={{ width: `${shares.sold}%` }} />
      <span className="sales-bar__held" style={{ width: `${shares.held}%` }} />
      <span className="sales-bar__available" style={{ width: `${shares.available}%` }} />
    </div>
  );
}
