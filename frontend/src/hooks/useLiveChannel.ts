import { useEffect, useRef, useState } from "react";

/** What this hook needs of an EventSource: the browser's, or a fake in tests. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

/** The browser's EventSource, or null where there is none (old browsers, jsdom): then the hook polls. */
export function browserEventSource(): EventSourceFactory | null {
  return typeof globalThis.EventSource === "function" ? (url) => new globalThis.EventSource(url) : null;
}

/** `connecting` and `live`: on the push channel; `polling`: the fallback; `stopped`: done, or gave up. */
export type LiveMode = "connecting" | "live" | "polling" | "stopped";

export interface LiveChannelState<T> {
  data: T | undefined;
  /** The last poll's error; cleared by the next data. Data from before stays shown. */
  error: unknown;
  /** When data last arrived (epoch ms). */
  updatedAt: number | null;
  mode: LiveMode;
}

export interface LiveChannelOptions<T> {
  /** The SSE address; null to poll only. */
  url: string | null;
  /** The SSE event name that carries the data (`order`, `queue`, `stock`, ...). */
  event: string;
  /** The data after one event (its JSON `payload`); `previous` lets partial events be merged. */
  fromEvent: (payload: unknown, previous: T | undefined) => T;
  /** The same data from the polled endpoint. */
  poll: (signal: AbortSignal) => Promise<T>;
  /** How long to wait before the next poll, from the latest data and the last delay (null at first). */
  nextPollMs: (data: T | undefined, previousMs: number | null) => number;
  /** Changing the key starts over (the data shown so far stays, for the caller to judge). */
  key?: string;
  enabled?: boolean;
  /** Once true for the data, the channel is closed and polling stops (e.g. a decided order). */
  done?: (data: T) => boolean;
  /** Whether to keep polling after this error; a 404 will not fix itself. Default: yes. */
  retryOn?: (error: unknown) => boolean;
  /** After falling back to polling, try the push channel again this much later; 0: never. */
  retryLiveMs?: number;
  /** Injectable for tests; default the browser's. */
  eventSource?: EventSourceFactory | null;
}

export const RETRY_LIVE_MS = 15_000;

/**
 * Data from a Server-Sent Events channel, with polling as the fallback: when the channel fails (the
 * live service is down, a proxy cuts it, the browser has no EventSource), the same data is polled
 * (never two requests in flight) until the channel is tried again `retryLiveMs` later. The
 * EventSource's own reconnection is not relied on: while it retries, nothing would be shown.
 */
export function useLiveChannel<T>(options: LiveChannelOptions<T>): LiveChannelState<T> {
  const { url, event, key = "", enabled = true, retryLiveMs = RETRY_LIVE_MS } = options;
  const [state, setState] = useState<LiveChannelState<T>>({
    data: undefined,
    error: null,
    updatedAt: null,
    mode: enabled ? "connecting" : "stopped",
  });
  // The latest callbacks without restarting the channel each render (callers pass inline functions).
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const dataRef = useRef<T | undefined>(undefined);
  const factoryRef = useRef(options.eventSource === undefined ? browserEventSource() : options.eventSource);
  factoryRef.current = options.eventSource === undefined ? browserEventSource() : options.eventSource;

  useEffect(() => {
    if (!enabled) {
      setState((s) => ({ ...s, mode: "stopped" }));
      return;
    }
    let source: EventSourceLike | null = null;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    let liveTimer: ReturnType<typeof setTimeout> | undefined;
    let polling: AbortController | null = null;
    let finished = false;

    const deliver = (data: T) => {
      dataRef.current = data;
      setState((s) => ({ ...s, data, error: null, updatedAt: Date.now() }));
      if (optionsRef.current.done?.(data)) stop();
    };

    const stopPolling = () => {
      polling?.abort();
      polling = null;
      clearTimeout(pollTimer);
    };

    const closeSource = () => {
      source?.close();
      source = null;
    };

    function stop() {
      finished = true;
      closeSource();
      stopPolling();
      clearTimeout(liveTimer);
      setState((s) => ({ ...s, mode: "stopped" }));
    }

    const startPolling = () => {
      const controller = new AbortController();
      polling = controller;
      let delay: number | null = null;
      setState((s) => ({ ...s, mode: "polling" }));
      const tick = async () => {
        try {
          const data = await optionsRef.current.poll(controller.signal);
          if (controller.signal.aborted) return;
          deliver(data);
          if (finished) return;
        } catch (error) {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, error }));
          const retryOn = optionsRef.current.retryOn;
          if (retryOn && !retryOn(error)) {
            stop();
            return;
          }
        }
        delay = optionsRef.current.nextPollMs(dataRef.current, delay);
        pollTimer = setTimeout(tick, delay);
      };
      void tick();
    };

    const startLive = () => {
      const factory = factoryRef.current;
      if (!factory || !url) {
        startPolling();
        return;
      }
      setState((s) => ({ ...s, mode: "connecting" }));
      let opened: EventSourceLike;
      try {
        opened = factory(url);
      } catch {
        startPolling();
        return;
      }
      source = opened;
      opened.addEventListener("open", () => {
        if (source === opened) setState((s) => ({ ...s, mode: "live" }));
      });
      opened.addEventListener(event, (message) => {
        if (source !== opened) return;
        let payload: unknown;
        try {
          payload = JSON.parse(message.data);
        } catch {
          return; // not this channel's JSON: ignore it rather than show nonsense
        }
        setState((s) => (s.mode === "live" ? s : { ...s, mode: "live" }));
        deliver(optionsRef.current.fromEvent(payload, dataRef.current));
      });
      opened.addEventListener("error", () => {
        if (source !== opened) return;
        closeSource();
        startPolling();
        if (retryLiveMs > 0) {
          liveTimer = setTimeout(() => {
            if (finished) return;
            stopPolling();
            startLive();
          }, retryLiveMs);
        }
      });
    };

    // A new key starts clean: an error of the last one (e.g. a 404 for an old id) says nothing of this one.
    setState((s) => (s.error === null ? s : { ...s, error: null }));
    startLive();
    return () => {
      finished = true;
      closeSource();
      stopPolling();
      clearTimeout(liveTimer);
    };
  }, [url, event, key, enabled, retryLiveMs]);

  return state;
}
