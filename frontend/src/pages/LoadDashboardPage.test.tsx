import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { systemStatus, TICKETS, workloadStats } from "../test/fixtures";
import { json, mockFetch, type RecordedRequest } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import type { ErrorBody } from "../api/transport";
import { LoadDashboardPage } from "./LoadDashboardPage";

type Answer = (request: RecordedRequest) => Response;

function dashboardApi(workload: Partial<Record<string, Answer | Answer[]>> = {}) {
  return mockFetch({
    "GET /api/system/status": () => json(200, systemStatus()),
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
    "GET /workload/stats": () => json(200, workloadStats()),
    ...(workload as Record<string, Answer | Answer[]>),
  });
}

const openDashboard = () => renderAt(<LoadDashboardPage refreshMs={100} />, { path: "/load", url: "/load" });

function figure(label: string): string {
  const term = within(screen.getByTestId("key-figures")).getByText(label, { selector: "dt" });
  return term.parentElement!.querySelector(".stat__value")!.textContent ?? "";
}

describe("load dashboard", () => {
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
    expect(figure("Confirmed")).toBe("4");
    expect(figure("Rejected")).toBe("1");
    expect(figure("Stream backlog")).toBe("10");
    expect(figure("Active workers")).toBe("2");

    // Charts: the latest values in words, and drawn lines.
    const throughput = screen.getByTestId("chart-throughput");
    expect(throughput).toHaveTextContent("Now 20 achieved of 20 target");
    const curves = [...throughput.querySelectorAll(".recharts-line-curve")].map((c) => c.getAttribute("d") ?? "");
    expect(curves).toHaveLength(2); // target and achieved
    expect(curves.every((d) => d.startsWith("M"))).toBe(true);
    expect(screen.getByTestId("chart-latency")).toHaveTextContent("Now p50 13 ms, p99 82 ms");
    expect(screen.getByTestId("chart-backlog")).toHaveTextContent("Now 7 waiting, 3 in progress");
    expect(screen.getByTestId("chart-workers")).toHaveTextContent("Now 2 active workers");
    expect(screen.getByTestId("chart-stock")).toHaveTextContent("870 tickets left, 180 sold");
  });

  it("lists the workers with their pending counts, the silent one as idle", async () => {
    dashboardApi();
    openDashboard();
    const workers = await screen.findByTestId("workers");
    await waitFor(() => expect(workers).toHaveTextContent("2 active of 3 seen"));
    const rows = within(workers).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["worker-a", "worker-b", "worker-old"]);
    expect(within(rows[0]).getByText("Active")).toBeInTheDocument();
    expect(within(rows[0]).getAllByRole("cell")[1]).toHaveTextContent("2");
    expect(within(rows[2]).getByText("Idle")).toBeInTheDocument();
  });

  it("computes outcome rates between polls", async () => {
    let confirmed = 0;
    dashboardApi({
      "GET /workload/stats": () => {
        confirmed += 4;
        return json(200, workloadStats({ decisions: { ...workloadStats().decisions, confirmed } }));
      },
    });
    openDashboard();
    await waitFor(() => expect(screen.getByTestId("chart-outcomes")).toHaveTextContent(/Per second now: [1-9][\d.]* confirmed/));
  });

  it("says the load generator is unreachable and keeps showing the system", async () => {
    dashboardApi({ "GET /workload/stats": () => json(502, { error: "load generator unreachable" }) });
    openDashboard();
    expect(await screen.findByText("Load generator unreachable", { selector: ".badge" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Start load" })).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId("chart-stock")).toHaveTextContent("870 tickets left"));
    expect(figure("Active workers")).toBe("2");
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
});
