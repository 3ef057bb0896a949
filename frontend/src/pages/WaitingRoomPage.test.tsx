import { act, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { readPass, readVisitorId, saveVisitorId } from "../lib/admission";
import { fakeEventSources } from "../test/fakeEventSource";
import { admittedStatus, sale, SALE_ID, VISITOR_ID, visitorStatus } from "../test/fixtures";
import { json, mockFetch } from "../test/mockFetch";
import { renderAt } from "../test/renderWithRouter";
import { WaitingRoomPage } from "./WaitingRoomPage";

const QUEUE = `/api/sales/${SALE_ID}/queue`;
const ME = `${QUEUE}/${VISITOR_ID}`;

function renderRoom(sources = fakeEventSources()) {
  const view = renderAt(<WaitingRoomPage eventSource={sources.factory} />, { path: "/queue", url: "/queue" });
  return { ...view, sources };
}

const progress = () => screen.getByRole("progressbar", { name: "Your progress through the line" });

beforeEach(() => localStorage.clear());

describe("waiting room page", () => {
  it("joins, shows the place in line, moves live, and goes into the shop with the pass once admitted", async () => {
    const api = mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale()] }),
      [`POST ${QUEUE}`]: () => json(201, visitorStatus()),
      [`GET ${ME}`]: () => json(200, admittedStatus()),
    });
    const { sources } = renderRoom();
    expect(await screen.findByTestId("queue-position")).toHaveTextContent("5");
    expect(screen.getByTestId("queue-ahead")).toHaveTextContent("4");
    expect(screen.getByTestId("queue-wait")).toHaveTextContent("a few seconds");
    expect(progress()).toHaveAttribute("aria-valuenow", "0");
    expect(readVisitorId(SALE_ID)).toBe(VISITOR_ID);
    expect(api.to("POST", QUEUE)[0].body).toEqual({});

    const channel = sources.latest();
    expect(channel.url).toBe(`/live/sales/${SALE_ID}/queue/${VISITOR_ID}`);
    act(() => channel.open());
    act(() => channel.send("queue", { status: "waiting", position: 3, ahead: 2, queueLength: 7 }));
    expect(screen.getByTestId("queue-position")).toHaveTextContent("3");
    expect(progress()).toHaveAttribute("aria-valuenow", "50");
    expect(api.to("GET", ME)).toHaveLength(0); // pushed, not polled

    act(() => channel.send("queue", { status: "admitted" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/));
    expect(api.to("GET", ME)).toHaveLength(1); // the pass is the gateway's
    expect(readPass(Date.now(), SALE_ID)).toMatchObject({ token: "eyJ2IjoiYSJ9.c2ln", usesLeft: 2 });
  });

  it("rejoins with the kept visitor id, so a reload keeps the place", async () => {
    saveVisitorId(SALE_ID, VISITOR_ID);
    const api = mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale()] }),
      [`POST ${QUEUE}`]: () => json(200, visitorStatus({ position: 2, ahead: 1 })),
    });
    renderRoom();
    expect(await screen.findByTestId("queue-position")).toHaveTextContent("2");
    expect(api.to("POST", QUEUE)[0].body).toEqual({ visitorId: VISITOR_ID });
  });

  it("polls the gateway when the live channel fails, and is admitted from a poll", async () => {
    const api = mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale()] }),
      [`POST ${QUEUE}`]: () => json(201, visitorStatus({ pollAfterMs: 20 })),
      [`GET ${ME}`]: [
        () => json(200, visitorStatus({ position: 2, ahead: 1, pollAfterMs: 20 })),
        () => json(200, admittedStatus()),
      ],
    });
    const { sources } = renderRoom();
    await screen.findByTestId("queue-position");
    act(() => sources.latest().fail());
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/));
    expect(api.to("GET", ME).length).toBeGreaterThanOrEqual(2);
    expect(readPass(Date.now(), SALE_ID)?.token).toBe("eyJ2IjoiYSJ9.c2ln");
  });

  it("says when the sale has not opened yet, with its opening time", async () => {
    const opensAt = "2099-06-01T18:00:00Z";
    mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale({ opensAt, open: false })] }),
      [`POST ${QUEUE}`]: () =>
        json(201, visitorStatus({ opensAt, admissionRatePerSecond: 0, estimatedWaitSeconds: null })),
    });
    renderRoom();
    expect(await screen.findByText("The sale has not opened yet.")).toBeInTheDocument();
    expect(screen.getByText(/It opens at/)).toHaveTextContent(String(new Date(opensAt).getFullYear()));
    expect(screen.getByTestId("queue-wait")).toHaveTextContent("once letting in starts");
  });

  it("says when letting in is paused, until the live channel shows people being let in again", async () => {
    mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale({ room: { state: "paused" } })] }),
      [`POST ${QUEUE}`]: () =>
        json(201, visitorStatus({ roomState: "paused", admissionRatePerSecond: 0, estimatedWaitSeconds: null })),
    });
    const { sources } = renderRoom();
    expect(await screen.findByText("Letting people in is paused for a moment. Your place is kept.")).toBeInTheDocument();
    act(() => sources.latest().send("queue", { status: "waiting", position: 5, ahead: 4, admissionRatePerSecond: 0.5 }));
    expect(screen.queryByText(/Letting people in is paused/)).not.toBeInTheDocument();
  });

  it("leaves the line: the place is given up and the visitor id forgotten", async () => {
    const api = mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale()] }),
      [`POST ${QUEUE}`]: () => json(201, visitorStatus()),
      [`DELETE ${ME}`]: () => new Response(null, { status: 204 }),
    });
    const { user, sources } = renderRoom();
    await screen.findByTestId("queue-position");
    await user.click(screen.getByRole("button", { name: "Leave the line" }));
    expect(await screen.findByRole("heading", { name: "You left the line" })).toBeInTheDocument();
    expect(api.to("DELETE", ME)).toHaveLength(1);
    expect(readVisitorId(SALE_ID)).toBeNull();
    expect(sources.latest().closed).toBe(true);
    expect(api.to("POST", QUEUE)).toHaveLength(1); // not rejoined behind the visitor's back

    await user.click(screen.getByRole("button", { name: "Join the line again" }));
    await screen.findByTestId("queue-position");
    expect(api.to("POST", QUEUE)).toHaveLength(2);
  });

  it("sends the visitor to the shop when the room is off", async () => {
    mockFetch({ "GET /api/sales": () => json(200, { sales: [sale({ room: { state: "off" } })] }) });
    renderRoom();
    expect(await screen.findByRole("heading", { name: "No waiting needed" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to the tickets" })).toHaveAttribute("href", "/");
  });

  it("says the room is closed when it takes no one new", async () => {
    mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale({ room: { state: "closed" } })] }),
      [`POST ${QUEUE}`]: () => json(409, { error: "the waiting room is closed" }),
    });
    renderRoom();
    expect(await screen.findByRole("heading", { name: "The waiting room is closed" })).toBeInTheDocument();
  });

  it("at /events/:eventId/queue, joins that event's line and comes back to its page with its pass", async () => {
    const event = "harbour-lights-2027";
    const queue = `/api/sales/${event}/queue`;
    const api = mockFetch({
      "GET /api/sales": () => json(200, { sales: [sale(), sale({ saleId: event, name: "Harbour Lights" })] }),
      [`POST ${queue}`]: () => json(201, visitorStatus({ saleId: event })),
      [`GET ${queue}/${VISITOR_ID}`]: () => json(200, admittedStatus({ saleId: event, admissionToken: "hl-pass" })),
    });
    const sources = fakeEventSources();
    renderAt(<WaitingRoomPage eventSource={sources.factory} />, {
      path: "/events/:eventId/queue",
      url: `/events/${event}/queue`,
    });
    expect(await screen.findByTestId("queue-position")).toHaveTextContent("5");
    expect(api.to("POST", QUEUE)).toHaveLength(0); // not the default sale's line
    expect(readVisitorId(event)).toBe(VISITOR_ID);
    const channel = sources.latest();
    expect(channel.url).toBe(`/live/sales/${event}/queue/${VISITOR_ID}`);
    act(() => channel.open());
    act(() => channel.send("queue", { status: "admitted" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/events/${event}`));
    expect(screen.getByTestId("location")).not.toHaveTextContent("/queue");
    expect(readPass(Date.now(), event)).toMatchObject({ token: "hl-pass" });
    expect(readPass(Date.now(), SALE_ID)).toBeNull();
  });
});
