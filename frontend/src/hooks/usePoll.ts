import { useEffect, useRef, useState } from "react";

export interface PollState<T> {
  data: T | undefined;
  /** The last attempt's error; cleared by the next success. Data from before stays shown. */
  error: unknown;
  /** When data last arrived (epoch ms). */
  updatedAt: number | null;
  loading: boolean;
}

interface PollOptions {
  intervalMs: number;
  /** Changing the key restarts polling at once (e.g. new filters). */
  key?: string;
  enabled?: boolean;
  /** Whether to keep polling after this error; e.g. a 400 will not fix itself. Default: yes. */
  retryOn?: (error: unknown) => boolean;
}

/**
 * Calls `load` now and then `intervalMs` after each answer. Never two requests in flight,
 * so a slow server is not piled on; a request still running is aborted on unmount or key change.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, options: PollOptions): PollState<T> {
  const { intervalMs, key = "", enabled = true } = options;
  const [state, setState] = useState<PollState<T>>({ data: undefined, error: null, updatedAt: null, loading: enabled });
  // The latest `load` without restarting the loop each render (callers pass inline functions).
  const loadRef = useRef(load);
  loadRef.current = load;
  const retryOnRef = useRef(options.retryOn);
  retryOnRef.current = options.retryOn;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));

    const tick = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data, error: null, updatedAt: Date.now(), loading: false });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, error, loading: false }));
        if (retryOnRef.current && !retryOnRef.current(error)) return;
      }
      timer = setTimeout(tick, intervalMs);
    };
    void tick();

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs, key, enabled]);

  return state;
}
