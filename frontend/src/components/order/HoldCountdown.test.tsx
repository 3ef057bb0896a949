import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HoldCountdown } from "./HoldCountdown";

describe("hold countdown on the order page", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-07-01T10:00:00.000Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("ticks down each second to holdExpiresAt, then says the hold ran out", () => {
    render(<HoldCountdown holdExpiresAt="2026-07-01T10:02:00.000Z" />);
    const timer = screen.getByRole("timer");
    expect(timer).toHaveTextContent("2:00");
    expect(timer).toHaveAccessibleName("2 minutes");

    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.getByRole("timer")).toHaveTextContent("1:59");
    act(() => vi.advanceTimersByTime(58_000));
    expect(screen.getByRole("timer")).toHaveTextContent("1:01");
    expect(screen.getByRole("timer")).toHaveAccessibleName("1 minute 1 second");

    act(() => vi.advanceTimersByTime(61_000));
    expect(screen.queryByRole("timer")).not.toBeInTheDocument();
    expect(screen.getByTestId("hold-countdown")).toHaveTextContent(/The hold has run out/);
  });

  it("stops ticking once the time is up", () => {
    render(<HoldCountdown holdExpiresAt="2026-07-01T09:59:00.000Z" />);
    expect(screen.getByTestId("hold-countdown")).toHaveTextContent(/run out/);
    expect(vi.getTimerCount()).toBe(0);
  });
});
