import { useEffect, useState } from "react";
import { listTickets } from "../api/gateway";

/** The ticket types on sale, for the type filter: asked once, from the unfiltered catalogue. */
export function useTicketTypes(): string[] {
  const [types, setTypes] = useState<string[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listTickets({}, controller.signal)
      .then((tickets) => setTypes([...new Set(tickets.map((t) => t.type))].sort()))
      .catch(() => {
        // Without the list the filter offers "All types" only; the catalogue itself shows the error.
      });
    return () => controller.abort();
  }, []);
  return types;
}
