import { useEffect, useState } from "react";

/** This browser's clock, read every `intervalMs` (render stays pure: it reads the state, not Date.now()). */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
