/**
 * Bodies as the services send them, typed by the generated schema (`satisfies`), so a model change
 * on the server that the client has not followed fails tsc here rather than in production.
 */
import type {
  CatalogueEvent,
  CreateOrderResponse,
  EventSales,
  Order,
  RoomStats,
  Sale,
  SystemStatus,
  Ticket,
  VisitorStatus,
} from "../api/gateway";
import type { WorkloadConfig, WorkloadStats } from "../api/generator";
import type { components } from "../api/schema/gateway";

type Totals = components["schemas"]["Totals"];

/** GET /system/status's exact lifecycle totals: orders ended per status, charges per outcome. */
export function lifecycleTotals(
  byStatus: Partial<Totals["byStatus"]> = {},
  payments: Partial<Totals["payments"]> = {},
): Pick<Totals, "byStatus" | "payments"> {
  const ended = { confirmed: 0, rejected: 0, payment_failed: 0, expired: 0, cancelled: 0, failed: 0 } satisfies Totals["byStatus"];
  const paid = { approved: 0, declined: 0, error: 0, timeout: 0, refunded: 0 } satisfies Totals["payments"];
  return { byStatus: { ...ended, ...byStatus }, payments: { ...paid, ...payments } };
}

// Annotated as well, so that a drift is reported here once rather than at every test that uses a ticket.
export const TICKETS: Ticket[] = [
  { id: "ga-adult", name: "General Admission", type: "adult", price: 89, currency: "EUR", description: "Adult pass.", available: 120 },
  { id: "ga-child", name: "Child Pass", type: "child", price: 25.5, currency: "EUR", description: "Child pass.", available: 40 },
  { id: "vip-lounge", name: "VIP Lounge", type: "vip", price: 249, currency: "EUR", description: "Lounge.", available: 0 },
] satisfies Ticket[];

/** POST /orders' 201. */
export function orderCreated(overrides: Partial<CreateOrderResponse> = {}): CreateOrderResponse {
  const created = {
    orderId: "order-123",
    status: "pending",
    grandTotal: 229,
    currency: "EUR",
    message: "ok",
  } satisfies CreateOrderResponse;
  return { ...created, ...overrides };
}

export function order(overrides: Partial<Order> = {}): Order {
  const pending = {
    orderId: "3f2b8c1e-0000-4000-8000-000000000001",
    customer: { name: "Ada Lovelace", email: "ada@example.com" },
    items: [{ ticketId: "ga-adult", type: "adult", qty: 2, unitPrice: 89, total: 178 }],
    grandTotal: 178,
    currency: "EUR",
    paymentMethod: "paypal",
    status: "pending",
    createdAt: "2026-07-01T10:00:00.000Z",
  } satisfies Order;
  return { ...pending, ...overrides };
}

export function systemStatus(overrides: Partial<SystemStatus> = {}): SystemStatus {
  const status = {
    time: "2026-07-01T10:00:00.000Z",
    stream: { length: 120, lag: 7, pending: 3, deadLetter: 0 },
    totals: {
      accepted: 1250,
      decided: 1240,
      ...lifecycleTotals({ confirmed: 1100, rejected: 60, payment_failed: 50, expired: 30 }, { approved: 1100, declined: 30, error: 15, timeout: 5 }),
    },
    consumers: [
      { name: "worker-a", pending: 2, idleMs: 150 },
      { name: "worker-b", pending: 1, idleMs: 900 },
      { name: "worker-old", pending: 0, idleMs: 120_000 },
    ],
    workers: [
      { name: "worker-a", heartbeatAgeMs: 1200, decided: 700 },
      { name: "worker-b", heartbeatAgeMs: 3400, decided: 540 },
    ],
    stock: [
      { ticketId: "ga-adult", type: "adult", initial: 1000, available: 870, sold: 130 },
      { ticketId: "vip-lounge", type: "vip", initial: 50, available: 0, sold: 50 },
    ],
  } satisfies SystemStatus;
  return { ...status, ...overrides };
}

/** The generator's default config (workload_generator/config.py), as GET /config answers it. */
export function workloadConfig(overrides: Partial<WorkloadConfig> = {}): WorkloadConfig {
  const config = {
    targetApi: "http://127.0.0.1:8000",
    rps: 20,
    durationS: 10,
    profile: { kind: "constant" },
    mix: {
      maxTicketsPerOrder: 10,
      tickets: null,
      quantities: [
        { qty: 1, weight: 60 },
        { qty: 2, weight: 25 },
      ],
      paymentMethods: [
        { method: "credit_card", weight: 40 },
        { method: "paypal", weight: 15 },
      ],
      multiItemShare: 0.2,
      maxItems: 3,
    },
    timeoutS: 5,
    maxInFlight: 500,
    followShare: 0.1,
  } satisfies WorkloadConfig;
  return { ...config, ...overrides };
}

export function workloadStats(overrides: Partial<WorkloadStats> = {}): WorkloadStats {
  const start = 1_782_900_000; // epoch seconds
  const stats = {
    running: true,
    startedAt: new Date(start * 1000).toISOString(),
    finishedAt: null,
    elapsedS: 3,
    config: workloadConfig(),
    targetRps: 20,
    achievedRps: { last10s: 19.5, overall: 19.2 },
    requests: {
      sent: 58,
      succeeded: 55,
      failed: 2,
      dropped: 1,
      inFlight: 4,
      byStatus: { "201": 55, "503": 2 },
      byError: { timeout: 0, connection: 0, other: 0, cancelled: 0 },
      droppedByReason: { inFlightCap: 1, behindSchedule: 0 },
    },
    latencyMs: { p50: 12, p90: 30, p99: 84, p999: 120, max: 130, mean: 15, count: 55 },
    decisions: {
      followed: 6,
      confirmed: 4,
      rejected: 1,
      failed: 0,
      pending: 1,
      unresolved: 0,
      skipped: 0,
      byStatus: { confirmed: 4, rejected: 1 },
      timeToDecisionMs: { p50: 40, p90: 80, p99: 95, max: 100 },
    },
    payments: { payLater: 0, abandoned: 0, sent: 0, byStatus: {} },
    errorSamples: {},
    series: [0, 1, 2].map((i) => ({
      t: start + i,
      targetRps: 20,
      rps: 18 + i,
      p50Ms: 11 + i,
      p99Ms: 80 + i,
      errors: i === 2 ? 2 : 0,
      dropped: 0,
      backpressure: 0,
    })),
  } satisfies WorkloadStats;
  return { ...stats, ...overrides };
}

export const SALE_ID = "aurora-2027";
export const VISITOR_ID = "6f1c2b3a-0000-4000-8000-00000000a11c";

export function sale(overrides: Partial<Sale> = {}): Sale {
  return { saleId: SALE_ID, name: "Aurora 2027", opensAt: null, open: true, room: { state: "open" }, ...overrides };
}

export function visitorStatus(overrides: Partial<VisitorStatus> = {}): VisitorStatus {
  return {
    visitorId: VISITOR_ID,
    saleId: SALE_ID,
    status: "waiting",
    position: 5,
    ahead: 4,
    queueLength: 9,
    admissionRatePerSecond: 0.5,
    estimatedWaitSeconds: 8,
    pollAfterMs: 1000,
    opensAt: null,
    roomState: "open",
    admissionToken: null,
    tokenExpiresAt: null,
    usesLeft: null,
    ...overrides,
  };
}

export function admittedStatus(overrides: Partial<VisitorStatus> = {}): VisitorStatus {
  return visitorStatus({
    status: "admitted",
    position: null,
    ahead: null,
    estimatedWaitSeconds: null,
    admissionToken: "eyJ2IjoiYSJ9.c2ln",
    tokenExpiresAt: "2099-01-01T00:00:00Z",
    usesLeft: 2,
    ...overrides,
  });
}

export function roomStats(overrides: Partial<RoomStats> = {}): RoomStats {
  return {
    saleId: SALE_ID,
    state: "open",
    mode: "adaptive",
    rate: 12.5,
    queueLength: 340,
    admittedTotal: 1200,
    admissionRatePerSecond: 12.5,
    waitSeconds: { p50: 20, p99: 61, count: 1200 },
    opensAt: null,
    tokenTtlSeconds: 600,
    tokenUses: 2,
    ...overrides,
  };
}

// The catalogue of events (issue 17).

export function catalogueEvent(overrides: Partial<CatalogueEvent> = {}): CatalogueEvent {
  const event = {
    id: "harbour-lights-2027",
    name: "Harbour Lights Festival",
    venue: "Pier 4, Hamburg",
    startsAt: "2027-08-14T18:00:00Z",
    saleOpensAt: null,
    saleState: "open",
    onSale: true,
    currency: "EUR",
    shard: 0,
    tickets: [
      { id: "hl-day", name: "Day Ticket", type: "day", price: 59, currency: "EUR", description: "One day.", available: 480 },
      {
        id: "hl-weekend",
        name: "Weekend Pass",
        type: "weekend",
        price: 119.5,
        currency: "EUR",
        description: "Both days.",
        available: 12,
      },
      {
        id: "hl-backstage",
        name: "Backstage",
        type: "vip",
        price: 300,
        currency: "EUR",
        description: "Meet the band.",
        available: 0,
      },
    ],
  } satisfies CatalogueEvent;
  return { ...event, ...overrides };
}

export const EVENTS: CatalogueEvent[] = [
  catalogueEvent({ id: "aurora-2027", name: "Aurora 2027", venue: "Arena Nord, Oslo", startsAt: "2027-03-12T19:30:00Z" }),
  catalogueEvent(),
  catalogueEvent({
    id: "quiet-strings",
    name: "Quiet Strings",
    venue: "Small Hall, Vienna",
    startsAt: "2027-11-02T19:00:00Z",
    saleState: "scheduled",
    onSale: false,
    saleOpensAt: "2027-06-01T09:00:00Z",
  }),
];

export function eventSales(overrides: Partial<EventSales> = {}): EventSales {
  const sales = {
    eventId: "harbour-lights-2027",
    name: "Harbour Lights Festival",
    currency: "EUR",
    saleState: "open",
    onSale: true,
    tickets: [
      { ticketId: "hl-day", name: "Day Ticket", type: "day", initial: 500, available: 480, held: 5, sold: 15 },
      { ticketId: "hl-weekend", name: "Weekend Pass", type: "weekend", initial: 100, available: 12, held: 8, sold: 80 },
    ],
    totals: { initial: 600, available: 492, held: 13, sold: 95 },
  } satisfies EventSales;
  return { ...sales, ...overrides };
}
