import { useEffect } from "react";

const APP_NAME = "Ticketing";

/** Each page names itself in the tab title (and to screen readers on navigation). */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}
