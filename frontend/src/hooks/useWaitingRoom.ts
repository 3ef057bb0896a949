import { useCallback, useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { getVisitorStatus, joinQueue, leaveQueue, type Sale, type VisitorStatus } from "../api/gateway";
import { liveUrls, type QueueEvent } from "../api/live";
import { ApiError } from "../api/transport";
import { forgetVisitorId, readVisitorId, savePass, saveVisitorId } from "../lib/admission";
import { mergeQueueEvent, queuePollDelay, type QueueView } from "../lib/waitingRoom";
import { type EventSourceFactory, type LiveMode, useLiveChannel } from "./useLiveChannel";
import { roomIsOn, useSale } from "./useSale";

export type WaitingRoomPhase =
  | "loading" // asking which sale this is
  | "unavailable" // no sale could be read: the gateway is out of reach (or has no sales)
  | "no-room" // the sale's waiting room is off: buy directly
  | "closed" // the room takes no one new
  | "joining"
  | "waiting"
  | "admitted" // fetching the pass, then into the shop
  | "left"
  | "lost" // the line no longer knows this visitor (left in another tab, or the data was reset)
  | "error";

export interface WaitingRoom {
  phase: WaitingRoomPhase;
  sale: Sale | null;
  view: QueueView | undefined;
  /** The most people ever seen ahead: the progress bar's full length. */
  mostAhead: number;
  /** Whether the place is pushed live or polled for. */
  mode: LiveMode;
  message: string | null;
  leaving: boolean;
  leave: () => Promise<void>;
  join: () => void;
}

type JoinState =
  | { phase: "idle" }
  | { phase: "joined"; status: VisitorStatus }
  | { phase: "no-room" | "closed" | "error"; message: string };

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Where a sale's tickets are bought, and where its line is. */
export const shopPathOf = (saleId: string) => `/events/${encodeURIComponent(saleId)}`;
export const queuePathOf = (saleId: string) => `${shopPathOf(saleId)}/queue`;

/** A pass not fetched at once (a blip) is asked for again this often, this many times. */
const PASS_RETRY_MS = 1_000;
const PASS_ATTEMPTS = 5;

/**
 * A visitor's stay in the waiting room: joins on arrival (with the visitor id kept in localStorage, so a
 * reload or another tab keeps the place), follows the place in line (pushed, polled at the gateway's
 * `pollAfterMs` when the channel fails), and once admitted keeps the pass and goes into the shop.
 */
export function useWaitingRoom({
  eventSource,
  storage,
  saleId: wanted,
}: {
  eventSource?: EventSourceFactory | null;
  storage?: Storage;
  /** The sale (event) whose line this is; without it the default sale's (the tickets page's). */
  saleId?: string;
} = {}): WaitingRoom {
  const navigate = useNavigate();
  const { sale, loaded } = useSale(wanted);
  const [join, setJoin] = useState<JoinState>({ phase: "idle" });
  const [left, setLeft] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [leaving, setLeaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const saleId = sale?.saleId ?? "";
  const roomOn = sale !== null && roomIsOn(sale.room.state);

  useEffect(() => {
    if (!roomOn || left) return;
    const controller = new AbortController();
    joinQueue(saleId, readVisitorId(saleId, storage), controller.signal)
      .then((status) => {
        saveVisitorId(saleId, status.visitorId, storage);
        setJoin({ phase: "joined", status });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 409) {
          setJoin({ phase: /\boff\b/i.test(error.message) ? "no-room" : "closed", message: error.message });
        } else {
          setJoin({ phase: "error", message: messageOf(error) });
        }
      });
    return () => controller.abort();
  }, [roomOn, left, saleId, attempt, storage]);

  const joined = join.phase === "joined" ? join.status : null;
  const visitorId = joined?.visitorId ?? "";
  const channel = useLiveChannel<QueueView>({
    url: joined ? liveUrls.queue(saleId, visitorId) : null,
    event: "queue",
    key: `${saleId}/${visitorId}/${attempt}`,
    enabled: Boolean(joined) && joined?.status !== "admitted" && !left,
    // Events carry only what changed: merged over what is known of this visitor.
    fromEvent: (payload, previous) =>
      mergeQueueEvent(previous?.visitorId === visitorId ? previous : (joined ?? undefined), payload as QueueEvent),
    poll: (signal) => getVisitorStatus(saleId, visitorId, signal),
    nextPollMs: (data) => queuePollDelay(data?.visitorId === visitorId ? data : (joined ?? undefined)),
    done: (data) => data.status === "admitted",
    retryOn: (error) => !isNotFound(error),
    eventSource,
  });
  const fresh = channel.data?.visitorId === visitorId ? channel.data : undefined;
  const view: QueueView | undefined = joined ? { ...joined, ...fresh } : undefined;
  const admitted = view?.status === "admitted";

  // The bar's full length: the most people seen ahead of this visitor (state derived while rendering).
  const [most, setMost] = useState({ visitorId: "", ahead: 0 });
  const ahead = view?.ahead;
  if (typeof ahead === "number" && (most.visitorId !== visitorId || ahead > most.ahead)) {
    setMost({ visitorId, ahead });
  }

  // Admitted: the pass comes from the gateway (the live channel only says "admitted"), then the shop.
  useEffect(() => {
    if (!admitted || !visitorId) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchPass = async (attemptNo: number) => {
      try {
        const status = await getVisitorStatus(saleId, visitorId, controller.signal);
        if (savePass(status, storage)) {
          // Back to where this sale is bought: its event's page, or the tickets page for the default sale.
          navigate(wanted === undefined ? "/" : shopPathOf(wanted), { replace: true });
          return;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (attemptNo >= PASS_ATTEMPTS) {
          setProblem(`Your pass could not be fetched (${messageOf(error)}). Reload this page to try again.`);
          return;
        }
      }
      if (attemptNo < PASS_ATTEMPTS) timer = setTimeout(() => void fetchPass(attemptNo + 1), PASS_RETRY_MS);
    };
    void fetchPass(1);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [admitted, saleId, visitorId, navigate, storage, wanted]);

  const leave = useCallback(async () => {
    if (!visitorId) return;
    setLeaving(true);
    setProblem(null);
    try {
      await leaveQueue(saleId, visitorId);
    } catch (error) {
      // Unknown already (404): gone either way. Anything else: still in line.
      if (!isNotFound(error)) {
        setProblem(`You are still in line: leaving did not work (${messageOf(error)}). Please try again.`);
        setLeaving(false);
        return;
      }
    }
    forgetVisitorId(saleId, storage);
    setLeft(true);
    setJoin({ phase: "idle" });
    setLeaving(false);
  }, [saleId, visitorId, storage]);

  const rejoin = useCallback(() => {
    setLeft(false);
    setProblem(null);
    setJoin({ phase: "idle" });
    setAttempt((n) => n + 1);
  }, []);

  let phase: WaitingRoomPhase;
  if (!loaded) phase = "loading";
  else if (!sale) phase = "unavailable";
  else if (left) phase = "left";
  else if (!roomOn || join.phase === "no-room") phase = "no-room";
  else if (join.phase === "closed") phase = "closed";
  else if (join.phase === "error") phase = "error";
  else if (isNotFound(channel.error)) phase = "lost";
  else if (!view) phase = "joining";
  else if (admitted) phase = "admitted";
  else phase = "waiting";

  const message = problem ?? (join.phase === "error" || join.phase === "closed" ? join.message : null);
  return {
    phase,
    sale,
    view,
    mostAhead: most.visitorId === visitorId ? most.ahead : 0,
    mode: channel.mode,
    message,
    leaving,
    leave,
    join: rejoin,
  };
}
