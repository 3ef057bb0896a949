import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import {
  autoscalingScenario,
  liveSystemStatus,
  scalingEvent,
  scalingStatus,
  scalingTarget,
  statsWithErrors,
} from "../test/dashboardFixtures";
import { systemStatus, TICKETS, workloadStats } from "../test/fixtures";
import { json, mockFetch, type RecordedRequest } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import type { ErrorBody } from "../api/transport";
import { LoadDashboardPage } from "./LoadDashboardPage";

type Answer = (request: RecordedRequest, callIndex: number) => Response;

function dashboardApi(workload: Partial<Record<string, Answer | Answer[]>> = {}) {
  return mockFetch({
    "GET /api/system/status": () => json(200, liveSystemStatus()),
    "GET /api/system/scaling": () => json(200, scalingStatus()),
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
    "GET /workload/stats": () => json(200, workloadStats()),
    "GET /workload/scenarios": () => json(200, { scenarios: [autoscalingScenario()] }),
    ...(workload as Record<string, Answer | Answer[]>),
  });
}

// Each poll re-renders the whole page and its charts, which jsdom does slowly: a test that needs one
// poll (plus the one after each action) waits 10 s for the next; one that needs rates polls every 250 ms.
const openDashboard = (refreshMs = 10_000) => renderAt(<LoadDashboardPage refreshMs={refreshMs} />, { path: "/load", url: "/load" });
const POLLING_FAST = 250;

function figure(label: string): string {
  const term = within(screen.getByTestId("key-figures")).getByText(label, { selector: "dt" });
  return term.parentElement!.querySelector(".stat__value")!.textContent ?? "";
}

// The whole page with its charts renders in jsdom at every poll: slow on a shared machine, hence the timeout.
describe("load dashboard", { timeout: 60_000 }, () => {
  it("shows the generator's and the system's numbers from mocked stats", async () => {
    dashboardApi();
    openDashboard();
    expect(await screen.findByText("Running · 3 s")).toBeInTheDocument();
    await waitFor(() => expect(figure("Requests sent")).toBe("58"));
    expect(figure("Target rate")).toBe("20 rps");
    expect(figure("Achieved rate")).toBe("19.5 rps");
    expect(figure("Latency p50")).toBe("12 ms");
    expect(figure("Latency p99")).toBe("84 ms");
    expect(figure("Errors")).toBe("3");
    expect(figure("Refused, busy (503)")).toBe("2");
    expect(figure("Confirmed (followed sample)")).toBe("4");
    expect(figure("Rejected (followed sample)")).toBe("1");
    expect(figure("Stream backlog")).toBe("10");
    expect(figure("Worker processes")).toBe("2");
    expect(figure("Accepted (all orders)")).toBe("3,000");
    expect(figure("Decided (all orders)")).toBe("2,990");

    // Charts: the latest values in words, and drawn lines.
    const throughput = screen.getByTestId("chart-throughput");
    expect(throughput).toHaveTextContent("Now 20 achieved of 20 target");
    const curves = [...throughput.querySelectorAll(".recharts-line-curve")].map((c) => c.getAttribute("d") ?? "");
    expect(curves).toHaveLength(2); // target and achieved
    expect(curves.every((d) => d.startsWith("M"))).toBe(true);
    expect(screen.getByTestId("chart-latency")).toHaveTextContent("Now p50 13 ms, p99 82 ms");
    expect(screen.getByTestId("chart-backlog")).toHaveTextContent("Now 7 waiting, 3 in progress");
    expect(screen.getByTestId("chart-workers")).toHaveTextContent("Now 4 order-worker replicas (desired 6), 2 gateway processes");
    expect(screen.getByTestId("chart-stock")).toHaveTextContent("850 tickets left, 20 held, 180 sold");
  });

  it("with no worker process running, says so and names the consumers still holding orders", async () => {
    dashboardApi({ "GET /api/system/status": () => json(200, systemStatus({ workers: [] })) });
    openDashboard();
    const workers = await screen.findByTestId("workers");
    await waitFor(() => expect(workers).toHaveTextContent("No worker process is running."), { timeout: 10_000 });
    expect(within(workers).queryByRole("table")).not.toBeInTheDocument();
    expect(workers).toHaveTextContent("Still holding orders, not running: worker-a (2), worker-b (1)");
    expect(workers).not.toHaveTextContent("worker-old"); // it holds none
  });

  it("computes outcome rates between polls", async () => {
    let confirmed = 0;
    dashboardApi({
      "GET /workload/stats": () => {
        confirmed += 4;
        return json(200, workloadStats({ decisions: { ...workloadStats().decisions, confirmed } }));
      },
    });
    openDashboard(POLLING_FAST);
    await waitFor(() => expect(screen.getByTestId("chart-outcomes")).toHaveTextContent(/Per second now: [1-9][\d.]* confirmed/), {
      timeout: 30_000,
    });
  });

  it("says the load generator is unreachable and keeps showing the system", async () => {
    dashboardApi({ "GET /workload/stats": () => json(502, { error: "load generator unreachable" }) });
    openDashboard();
    expect(await screen.findByText("Load generator unreachable", { selector: ".badge" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Start load" })).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId("chart-stock")).toHaveTextContent("850 tickets left"));
    expect(figure("Worker processes")).toBe("2");
  });

  it("starts the load with the rate, duration and profile from the form", async () => {
    const api = dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": () => json(200, workloadStats()),
    });
    const { user } = openDashboard();
    await screen.findByText("Stopped");
    await user.selectOptions(screen.getByLabelText("Traffic shape"), "ramp");
    await user.clear(screen.getByLabelText("From (rps)"));
    await user.type(screen.getByLabelText("From (rps)"), "5");
    await user.clear(screen.getByLabelText("To (rps)"));
    await user.type(screen.getByLabelText("To (rps)"), "80");
    await user.clear(screen.getByLabelText("Stop after (seconds, optional)"));
    await user.type(screen.getByLabelText("Stop after (seconds, optional)"), "30");
    await user.click(screen.getByRole("button", { name: "Start load" }));

    await waitFor(() => expect(api.to("POST", "/workload/start")).toHaveLength(1));
    expect(api.to("POST", "/workload/start")[0].body).toEqual({
      rps: 20,
      durationS: 30,
      profile: { kind: "ramp", fromRps: 5, toRps: 80, overS: 120 },
    });
  });

  it("stops a running load", async () => {
    const api = dashboardApi({ "POST /workload/stop": () => json(200, workloadStats({ running: false })) });
    const { user } = openDashboard();
    await screen.findByText("Running · 3 s");
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(api.to("POST", "/workload/stop")).toHaveLength(1));
  });

  it("shows the generator's 400 next to the field it names", async () => {
    dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": () =>
        json(400, { error: "rps: Input should be less than or equal to 10000", field: "rps" } satisfies ErrorBody),
    });
    const { user } = openDashboard();
    await screen.findByText("Stopped");
    await user.clear(screen.getByLabelText("Rate (requests per second)"));
    await user.type(screen.getByLabelText("Rate (requests per second)"), "99999");
    await user.click(screen.getByRole("button", { name: "Start load" }));

    const rate = screen.getByLabelText("Rate (requests per second)");
    await waitFor(() => expect(rate).toHaveAttribute("aria-invalid", "true"));
    expect(document.getElementById(rate.getAttribute("aria-describedby")!)).toHaveTextContent(
      "Input should be less than or equal to 10000",
    );
  });

  it("places the error by the 400's field, not by parsing its message", async () => {
    dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": () =>
        json(400, { error: "the second step must last longer", field: "profile.steps[1].forS" } satisfies ErrorBody),
    });
    const { user } = openDashboard();
    await screen.findByText("Stopped");
    await user.selectOptions(screen.getByLabelText("Traffic shape"), "step");
    await user.click(screen.getByRole("button", { name: "Start load" }));

    const length = screen.getByLabelText("Step 2 length (s)");
    await waitFor(() => expect(length).toHaveAttribute("aria-invalid", "true"));
    expect(document.getElementById(length.getAttribute("aria-describedby")!)).toHaveTextContent(
      "the second step must last longer",
    );
    expect(screen.getByLabelText("Step 1 length (s)")).not.toHaveAttribute("aria-invalid", "true");
  });

  it("shows a 403 (the operator's policy) as it is, without asking for a token", async () => {
    dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": () =>
        json(403, { error: "targetApi: not on this generator's allow-list", field: "targetApi" } satisfies ErrorBody),
    });
    const { user } = openDashboard();
    await screen.findByText("Stopped");
    await user.click(screen.getByRole("button", { name: "Start load" }));

    expect(await screen.findByText("targetApi: not on this generator's allow-list")).toBeInTheDocument();
    expect(screen.queryByLabelText(/token/i)).not.toBeInTheDocument();
  });

  it("asks for a token on 401, keeps it in sessionStorage and replays the action with it", async () => {
    const api = dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": (request) =>
        request.headers.get("Authorization") === "Bearer t0ken"
          ? json(200, workloadStats())
          : json(401, { error: "missing or wrong bearer token" }),
    });
    const { user } = openDashboard();
    await screen.findByText("Stopped");
    await user.click(screen.getByRole("button", { name: "Start load" }));

    const tokenInput = await screen.findByLabelText("Access token");
    expect(screen.getByText("The load generator needs an access token for this.")).toBeInTheDocument();
    await user.type(tokenInput, "t0ken");
    await user.click(screen.getByRole("button", { name: "Use token" }));

    await waitFor(() => expect(api.to("POST", "/workload/start")).toHaveLength(2));
    expect(api.to("POST", "/workload/start")[1].headers.get("Authorization")).toBe("Bearer t0ken");
    expect(sessionStorage.getItem("workload-generator-token")).toBe("t0ken");
    await waitFor(() => expect(screen.queryByLabelText("Access token")).not.toBeInTheDocument());
  });

  it("shows each scaled target's replicas, metric against target, time scale and the source", async () => {
    dashboardApi();
    openDashboard();
    const worker = await screen.findByTestId("scaling-order-worker");
    const replicas = (label: string) => within(worker).getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    expect([replicas("Current"), replicas("Desired"), replicas("Min"), replicas("Max")]).toEqual(["4", "6", "1", "8"]);
    expect(within(worker).getByTestId("scaling-metric")).toHaveTextContent("lag 412 = 103 per worker (target 50 per worker)");
    expect(within(worker).getByTestId("scaling-policy")).toHaveTextContent("policy of overlay keda · windows shortened ×10");
    expect(within(screen.getByTestId("scaling-api-gateway")).getByTestId("scaling-metric")).toHaveTextContent(
      "CPU 35 % of request (target 70 %)",
    );
    expect(screen.getByTestId("scaling-source")).toHaveTextContent("Replicas from the local autoscaler (make up)");
    expect(within(screen.getByTestId("scaling-events")).getByRole("listitem")).toHaveTextContent(
      "12:02:15 order-worker 2 → 4: lag 412 > 50 per worker",
    );
  });

  it("says there is no autoscaler, with the gateway's reason", async () => {
    dashboardApi({
      "GET /api/system/scaling": () =>
        json(200, scalingStatus({ source: "none", message: "the gateway is not in a cluster", targets: [], events: [] })),
    });
    openDashboard();
    expect(await screen.findByText("no autoscaler: the gateway is not in a cluster")).toBeInTheDocument();
    expect(screen.queryByTestId("scaling-order-worker")).not.toBeInTheDocument();
  });

  it("names the Kubernetes HPA as the source in a cluster, with what went wrong reading one", async () => {
    const hpa = { overlay: null, timeScale: null };
    dashboardApi({
      "GET /api/system/scaling": () =>
        json(
          200,
          scalingStatus({
            source: "kubernetes",
            message: "HPA api-gateway: forbidden",
            targets: [scalingTarget(hpa)],
          }),
        ),
    });
    openDashboard();
    expect(await screen.findByText("Replicas from the Kubernetes HPA")).toBeInTheDocument();
    expect(screen.getByTestId("scaling-message")).toHaveTextContent("HPA api-gateway: forbidden");
    expect(within(screen.getByTestId("scaling-order-worker")).getByTestId("scaling-policy")).not.toHaveTextContent(/overlay|windows/);
  });

  it("says so when the gateway has no scaling view, and keeps the rest of the page", async () => {
    dashboardApi({ "GET /api/system/scaling": () => json(404, { error: "not found" }) });
    openDashboard();
    expect(await screen.findByText(/has no scaling view/)).toBeInTheDocument();
    await waitFor(() => expect(figure("Accepted (all orders)")).toBe("3,000"));
  });

  it("marks the scaling events on the time charts", async () => {
    // An event between the first and the latest poll, so inside the charts' time range.
    let eventAt: number | undefined;
    dashboardApi({
      "GET /api/system/scaling": (_request, index) => {
        if (index >= 1) eventAt ??= Date.now();
        return json(200, scalingStatus({ events: eventAt ? [scalingEvent({ time: new Date(eventAt).toISOString() })] : [] }));
      },
    });
    openDashboard(POLLING_FAST);
    const system = await screen.findByTestId("chart-system");
    await waitFor(() => expect(system.querySelectorAll(".recharts-reference-line")).toHaveLength(1), { timeout: 30_000 });
    expect(system).toHaveTextContent("2→4");
    expect(screen.getByTestId("chart-workers").querySelectorAll(".recharts-reference-line")).toHaveLength(1);
  });

  it("charts payments per second by outcome and expired holds from the gateway's totals, and held stock per ticket", async () => {
    let polls = 0;
    dashboardApi({
      "GET /api/system/status": () => {
        polls += 1;
        const base = liveSystemStatus().totals;
        return json(
          200,
          liveSystemStatus({
            totals: {
              ...base,
              byStatus: { ...base.byStatus, expired: base.byStatus.expired + 2 * polls },
              payments: { ...base.payments, approved: base.payments.approved + 30 * polls, declined: base.payments.declined + 3 * polls },
            },
          }),
        );
      },
    });
    openDashboard(POLLING_FAST);
    const payments = await screen.findByTestId("chart-payments");
    await waitFor(() => expect(payments).toHaveTextContent(/Per second now: [1-9][\d.,]* approved, [1-9][\d.,]* declined, 0 error, 0 timeout, 0 refunded; [1-9][\d.,]* holds expired/), {
      timeout: 30_000,
    });
    const stock = screen.getByTestId("chart-stock");
    const adult = within(stock).getByRole("rowheader", { name: /General Admission|ga-adult/ }).closest("tr") as HTMLElement;
    expect(within(adult).getAllByRole("cell").map((c) => c.textContent)).toEqual(["850", "20", "130"]);
  });

  it("charts intake and decisions per second from the gateway's totals, and each worker's own rate", async () => {
    let accepted = 3000;
    let decided = 2990;
    dashboardApi({
      "GET /api/system/status": () => {
        accepted += 50;
        decided += 40;
        return json(
          200,
          liveSystemStatus({
            totals: { ...liveSystemStatus().totals, accepted, decided },
            workers: [
              { name: "worker-a", heartbeatAgeMs: 100, decided: decided - 1490 },
              { name: "worker-b", heartbeatAgeMs: 100, decided: 1490 },
            ],
          }),
        );
      },
    });
    openDashboard(POLLING_FAST);
    const system = await screen.findByTestId("chart-system");
    await waitFor(() => expect(system).toHaveTextContent(/Now [1-9][\d.,]* orders\/s accepted, [1-9][\d.,]* decided\/s by all workers/), {
      timeout: 30_000,
    });
    const rows = within(screen.getByTestId("workers")).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["worker-a", "worker-b"]);
    expect(within(rows[0]).getAllByRole("cell")[0].textContent).toMatch(/^[1-9]/); // worker-a decides
    expect(within(rows[1]).getAllByRole("cell")[0]).toHaveTextContent(/^0$/); // worker-b is idle, but running
    expect(screen.getByTestId("workers")).toHaveTextContent("2 running processes");
  });

  it("says what the outcome tiles count: the generator's followed sample, not every order", async () => {
    dashboardApi();
    openDashboard();
    await waitFor(() => expect(figure("Confirmed (followed sample)")).toBe("4"));
    const tile = within(screen.getByTestId("key-figures")).getByText("Confirmed (followed sample)").parentElement!;
    expect(tile).toHaveTextContent("of the 10 % of orders the generator follows");
    expect(screen.getByTestId("chart-outcomes")).toHaveTextContent("Followed sample");
  });

  it("never captions a finished run's figures as now", async () => {
    const finishedAt = new Date(2026, 6, 1, 12, 3, 4).toISOString();
    dashboardApi({ "GET /workload/stats": () => json(200, workloadStats({ running: false, finishedAt })) });
    openDashboard();
    expect(await screen.findByText("Last run, finished at 12:03:04", { selector: "span" })).toBeInTheDocument();
    expect(screen.getByTestId("chart-throughput")).toHaveTextContent("Last run, finished at 12:03:04: 20 achieved of 20 target");
    expect(screen.getByTestId("chart-throughput")).not.toHaveTextContent(/\bNow\b/);
    expect(screen.getByTestId("chart-latency")).toHaveTextContent("Last run, finished at 12:03:04: p50 13 ms");
  });

  it("shows the generator's error samples per status, latest first", async () => {
    dashboardApi({ "GET /workload/stats": () => json(200, statsWithErrors()) });
    openDashboard();
    const samples = await screen.findByTestId("error-samples");
    const busy = within(samples).getByTestId("error-samples-503");
    expect(busy).toHaveTextContent("HTTP 503 · 2 in this run");
    expect(within(busy).getAllByRole("listitem").map((li) => li.querySelector("code")?.textContent)).toEqual([
      '{"error": "backlog full (newest)"}',
      '{"error": "backlog full, retry later"}',
    ]);
    expect(within(samples).getByTestId("error-samples-transport")).toHaveTextContent("ConnectError: connection refused");
  });

  it("runs the autoscaling demo scenario, described by the generator", async () => {
    const api = dashboardApi({
      "GET /workload/stats": () => json(200, workloadStats({ running: false })),
      "POST /workload/start": () => json(200, workloadStats()),
    });
    const { user } = openDashboard();
    const demo = await screen.findByTestId("autoscaling-demo");
    await waitFor(() =>
      expect(demo).toHaveTextContent("Ramp up, hold, spike, ramp down: the pool grows and shrinks. About 4 min 30 s, up to 300 orders/s."),
    );
    expect(within(demo).getByTestId("autoscaling-demo-stages")).toHaveTextContent("ramp up 30 s (10 → 150 rps) · hold 1 min (150 rps)");
    await user.click(within(demo).getByRole("button", { name: "Run the autoscaling demo" }));
    await waitFor(() => expect(api.to("POST", "/workload/start")).toHaveLength(1));
    expect(api.to("POST", "/workload/start")[0].body).toEqual({ scenario: "autoscaling-demo" });
  });

  it("resets the demo only after a confirmation, asking for the token on 401 and replaying with it", async () => {
    const api = dashboardApi({
      "POST /api/system/reset": (request) =>
        request.headers.get("Authorization") === "Bearer adm1n"
          ? json(200, { deleted: 12 })
          : json(401, { error: "missing or wrong bearer token" }),
    });
    const { user } = openDashboard();
    const reset = await screen.findByTestId("reset-demo");
    await user.click(within(reset).getByRole("button", { name: "Reset demo…" }));
    expect(api.to("POST", "/api/system/reset")).toHaveLength(0); // not before the confirmation
    await user.click(within(reset).getByRole("button", { name: "Yes, reset the demo" }));

    expect(await within(reset).findByText("The API gateway needs an access token for this.")).toBeInTheDocument();
    await user.type(within(reset).getByLabelText("Access token"), "adm1n");
    await user.click(within(reset).getByRole("button", { name: "Use token" }));
    expect(await within(reset).findByText("Demo reset: 12 keys deleted.")).toBeInTheDocument();
    expect(api.to("POST", "/api/system/reset").map((r) => r.headers.get("Authorization"))).toEqual([null, "Bearer adm1n"]);
    expect(sessionStorage.getItem("workload-generator-token")).toBe("adm1n"); // the one token field of the page
  });

  it("shows a refused reset (403) clearly, and cancelling sends nothing", async () => {
    const api = dashboardApi({
      "POST /api/system/reset": () => json(403, { error: "only loopback callers may reset without ADMIN_TOKEN" }),
    });
    const { user } = openDashboard();
    const reset = await screen.findByTestId("reset-demo");
    await user.click(within(reset).getByRole("button", { name: "Reset demo…" }));
    await user.click(within(reset).getByRole("button", { name: "Cancel" }));
    expect(api.to("POST", "/api/system/reset")).toHaveLength(0);

    await user.click(within(reset).getByRole("button", { name: "Reset demo…" }));
    await user.click(within(reset).getByRole("button", { name: "Yes, reset the demo" }));
    expect(await within(reset).findByRole("alert")).toHaveTextContent(
      "Refused by the API gateway (403): only loopback callers may reset without ADMIN_TOKEN.",
    );
    expect(within(reset).queryByLabelText("Access token")).not.toBeInTheDocument();
  });
});
