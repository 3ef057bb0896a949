import { formatCount } from "../../lib/format";

/** Below this many left, the badge warns that the ticket is going fast. */
const LOW_STOCK = 100;

export function AvailabilityBadge({ available }: { available: number }) {
  if (available <= 0) return <span className="badge badge--soldout">Sold out</span>;
  if (available <= LOW_STOCK) return <span className="badge badge--low">Only {formatCount(available)} left</span>;
  return <span className="badge badge--ok">{formatCount(available)} available</span>;
}
