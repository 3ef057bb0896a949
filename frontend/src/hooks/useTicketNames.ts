import { useEffect, useState } from "react";
import { listTickets } from "../api/gateway";

/** Ticket id -> display name, from the catalogue; orders carry only ids. Empty until it arrives. */
export function useTicketNames(): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    const controller = new AbortController();
    listTickets({}, controller.signal)
      .then((tickets) => setNames(Object.fromEntries(tickets.map((t) => [t.id, t.name]))))
      .catch(() => {
        // ids are shown instead; nothing else depends on this
      });
    return () => controller.abort();
  }, []);
  return names;
}
