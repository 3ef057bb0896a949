import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeEventSources } from "../test/fakeEventSource";
import { type LiveChannelOptions, useLiveChannel } from "./useLiveChannel";

interface Count {
  n: number;
  source: string;
}

function setup(overrides: Partial<LiveChannelOptions<Count>> = {}) {
  const sources = fakeEventSources();
  const poll = vi.fn(async () => ({ n: poll.mock.calls.length, source: "poll" }));
  const view = renderHook(() =>
    useLiveChannel<Count>({
      url: "/live/things/1",
      event: "thing",
      fromEvent: (payload) => ({ ...(payload as { n: number }), source: "live" }),
      poll,
      nextPollMs: () => 10,
      eventSource: sources.factory,
      ...overrides,
    }),
  );
  return { ...view, sources, poll };
}

describe("useLiveChannel", () => {
  it("shows each pushed event and does not poll while the channel works", async () => {
    const { result, sources, poll } = setup();
    expect(sources.latest().url).toBe("/live/things/1");
    act(() => sources.latest().open());
    expect(result.current.mode).toBe("live");
    act(() => sources.latest().send("thing", { n: 7 }));
    expect(result.current.data).toEqual({ n: 7, source: "live" });
    act(() => sources.latest().send("thing", { n: 8 }));
    expect(result.current.data).toEqual({ n: 8, source: "live" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(poll).not.toHaveBeenCalled();
  });

  it("ignores other events and bodies that are not JSON", () => {
    const { result, sources } = setup();
    act(() => sources.latest().send("other", { n: 1 }));
    act(() => sources.latest().send("thing", "not json {"));
    expect(result.current.data).toBeUndefined();
  });

  it("falls back to polling at once when the channel fails, and keeps polling", async () => {
    const { result, sources, poll } = setup({ retryLiveMs: 0 });
    act(() => sources.latest().fail());
    expect(sources.latest().closed).toBe(true);
    await waitFor(() => expect(poll.mock.calls.length).toBeGreaterThanOrEqual(3));
    expect(result.current.mode).toBe("polling");
    expect(result.current.data?.source).toBe("poll");
    expect(sources.opened).toHaveLength(1);
  });

  it("polls when there is no EventSource at all", async () => {
    const { result, poll } = setup({ eventSource: null, nextPollMs: () => 60_000 });
    await waitFor(() => expect(result.current.data).toEqual({ n: 1, source: "poll" }));
    expect(poll).toHaveBeenCalled();
  });

  it("tries the channel again after retryLiveMs and stops polling once it is back", async () => {
    const { result, sources, poll } = setup({ retryLiveMs: 40, nextPollMs: () => 5 });
    act(() => sources.latest().fail());
    await waitFor(() => expect(sources.opened).toHaveLength(2));
    act(() => sources.latest().open());
    act(() => sources.latest().send("thing", { n: 99 }));
    expect(result.current.mode).toBe("live");
    const pollsThen = poll.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(poll.mock.calls.length).toBe(pollsThen);
    expect(result.current.data).toEqual({ n: 99, source: "live" });
  });

  it("closes the channel once the data is done", () => {
    const { result, sources } = setup({ done: (data) => data.n >= 3 });
    act(() => sources.latest().send("thing", { n: 3 }));
    expect(result.current.mode).toBe("stopped");
    expect(sources.latest().closed).toBe(true);
  });

  it("stops polling after an error it is told not to retry", async () => {
    const poll = vi.fn(async () => {
      throw new Error("gone");
    });
    const { result, sources } = setup({ poll, retryOn: () => false, retryLiveMs: 0 });
    act(() => sources.latest().fail());
    await waitFor(() => expect(result.current.mode).toBe("stopped"));
    expect(result.current.error).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(poll).toHaveBeenCalledTimes(1);
  });

  it("passes the previous data to fromEvent, so partial events merge", () => {
    const { result, sources } = setup({
      fromEvent: (payload, previous) => ({ n: (previous?.n ?? 0) + (payload as { add: number }).add, source: "live" }),
    });
    act(() => sources.latest().send("thing", { add: 2 }));
    act(() => sources.latest().send("thing", { add: 3 }));
    expect(result.current.data?.n).toBe(5);
  });

  it("closes the channel on unmount", () => {
    const { sources, unmount } = setup();
    unmount();
    expect(sources.latest().closed).toBe(true);
  });
});
