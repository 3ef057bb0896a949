import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";

// jsdom has no layout engine: report every observed box as 600 x 220, so that charts
// (which size themselves from a ResizeObserver) draw their SVG and tests can look at it.
class ResizeObserverStub {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element) {
    const contentRect = { width: 600, height: 220, top: 0, left: 0, bottom: 220, right: 600, x: 0, y: 0 };
    this.callback([{ target, contentRect } as unknown as ResizeObserverEntry], this as unknown as ResizeObserver);
  }
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

// A test talks only to the fake back end it sets up (test/mockFetch.ts), never to the network.
beforeEach(() => {
  vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("fetch is not mocked in this test"));
});

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  localStorage.clear();
});
