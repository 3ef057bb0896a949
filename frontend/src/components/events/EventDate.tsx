import { formatEventDate } from "../../lib/format";

/** When an event starts; the gateway sends null for a date not announced yet. */
export function EventDate({ startsAt, className }: { startsAt: string | null; className?: string }) {
  if (!startsAt) return <span className={className}>Date to be announced</span>;
  return (
    <time className={className} dateTime={startsAt}>
      {formatEventDate(startsAt)}
    </time>
  );
}
