import type { EventSourceFactory, EventSourceLike } from "../hooks/useLiveChannel";

/** An EventSource a test drives by hand: open it, send it events, make it fail. */
export class FakeEventSource implements EventSourceLike {
  readonly url: string;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(url: string) {
    this.url = url;
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  private dispatch(type: string, data = ""): void {
    if (this.closed) return;
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }

  open(): void {
    this.dispatch("open");
  }

  /** A named event with a JSON body, as the live service sends it. */
  send(type: string, body: unknown): void {
    this.dispatch(type, typeof body === "string" ? body : JSON.stringify(body));
  }

  fail(): void {
    this.dispatch("error");
  }
}

/** A factory that records every channel opened, newest last. */
export function fakeEventSources() {
  const opened: FakeEventSource[] = [];
  const factory: EventSourceFactory = (url) => {
    const source = new FakeEventSource(url);
    opened.push(source);
    return source;
  };
  return {
    factory,
    opened,
    latest: () => {
      const last = opened[opened.length - 1];
      if (!last) throw new Error("no EventSource was opened");
      return last;
    },
  };
}

/** Installs the fake as the global EventSource (for components that use the browser's), returning its record. */
export function installFakeEventSource() {
  const sources = fakeEventSources();
  const Fake = function (this: unknown, url: string) {
    return sources.factory(url);
  } as unknown as typeof EventSource;
  globalThis.EventSource = Fake;
  return sources;
}
