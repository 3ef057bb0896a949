import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/transport";
import { LoadDashboardPage } from "../../pages/LoadDashboardPage";
import { autoscalingScenario, liveSystemStatus, scalingStatus } from "../../test/dashboardFixtures";
import { roomStats, sale, SALE_ID, TICKETS, workloadStats } from "../../test/fixtures";
import { json, mockFetch } from "../../test/mockFetch";
import { renderAt } from "../../test/renderWithRouter";
import { waitingRoomSummary } from "./WaitingRoomChart";

describe("waiting room on the dashboard", { timeout: 60_000 }, () => {
  it("reads the room's figures from the operator view and draws them beside the workers", async () => {
    const api = mockFetch({
      "GET /api/system/status": () => json(200, liveSystemStatus()),
      "GET /api/system/scaling": () => json(200, scalingStatus()),
      "GET /api/tickets": () => json(200, { tickets: TICKETS }),
      "GET /workload/stats": () => json(200, workloadStats()),
      "GET /workload/scenarios": () => json(200, { scenarios: [autoscalingScenario()] }),
      "GET /api/sales": () => json(200, { sales: [sale()] }),
      [`GET /api/sales/${SALE_ID}/room`]: () => json(200, roomStats()),
    });
    renderAt(<LoadDashboardPage refreshMs={10_000} />, { path: "/load", url: "/load" });
    const card = await screen.findByTestId("chart-room");
    await waitFor(() => expect(within(card).getByText(/Room open \(adaptive rate\): 340 waiting/)).toBeInTheDocument());
    expect(within(card).getByText(/12\.5 let in per second with \d+ workers?/)).toBeInTheDocument();
    expect(api.to("GET", `/api/sales/${SALE_ID}/room`)).toHaveLength(1);
  });

  it("says why there are no figures when the room view is refused, or the room is off", () => {
    expect(waitingRoomSummary(null, new ApiError(403, "loopback only"), undefined)).toMatch(/for operators/);
    expect(waitingRoomSummary(roomStats({ state: "off" }), null, undefined)).toMatch(/is off/);
    expect(waitingRoomSummary(null, null, undefined)).toBe("No waiting room figures yet.");
  });
});
