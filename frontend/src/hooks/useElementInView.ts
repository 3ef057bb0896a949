import { useEffect, useState } from "react";

/** Whether the element with this id is at least partly on screen; false where the browser cannot tell. */
export function useElementInView(id: string, active = true): boolean {
  const [inView, setInView] = useState(false);
  useEffect(() => {
    const element = document.getElementById(id);
    if (!active || !element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(([entry]) => setInView(entry.isIntersecting));
    observer.observe(element);
    return () => observer.disconnect();
  }, [id, active]);
  return inView;
}
