import { Link, useParams } from "react-router";
import { ErrorMessage } from "../components/common/ErrorMessage";
import { Notice } from "../components/common/Notice";
import { Spinner } from "../components/common/Spinner";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import type { EventSourceFactory } from "../hooks/useLiveChannel";
import { useNow } from "../hooks/useNow";
import { shopPathOf, useWaitingRoom } from "../hooks/useWaitingRoom";
import { formatCount, formatDateTime } from "../lib/format";
import { formatWait, opensLater, progressPercent } from "../lib/waitingRoom";

interface Props {
  /** Injectable for tests: the EventSource and the storage that keeps the visitor id and the pass. */
  eventSource?: EventSourceFactory | null;
  storage?: Storage;
}

function ShopLink({ children, to }: { children: string; to: string }) {
  return (
    <Link className="button button--primary" to={to}>
      {children}
    </Link>
  );
}

/** `/queue` (the default sale's line) and `/events/:eventId/queue` (that event's). */
export function WaitingRoomPage({ eventSource, storage }: Props) {
  const { eventId } = useParams();
  const room = useWaitingRoom({ eventSource, storage, saleId: eventId });
  const shop = eventId === undefined ? "/" : shopPathOf(eventId);
  const now = useNow();
  const { phase, sale, view } = room;
  useDocumentTitle(
    phase === "waiting" && view?.position ? `Waiting room: number ${view.position}` : "Waiting room",
  );
  const saleName = sale?.name ?? "this sale";

  if (phase === "loading" || phase === "joining") {
    return <Spinner label={phase === "loading" ? "Opening the waiting room…" : "Finding your place in line…"} />;
  }

  if (phase === "unavailable" || phase === "error") {
    return (
      <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
        <h1 id="room-heading">Waiting room</h1>
        <ErrorMessage title="We cannot reach the waiting room right now">
          {room.message ?? "The ticket service is not answering."} Your place, if you had one, is kept: reload this
          page in a moment.
        </ErrorMessage>
      </section>
    );
  }

  if (phase === "no-room") {
    return (
      <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
        <h1 id="room-heading">No waiting needed</h1>
        <p>The waiting room for {saleName} is not in use right now: you can buy tickets directly.</p>
        <ShopLink to={shop}>Go to the tickets</ShopLink>
      </section>
    );
  }

  if (phase === "closed") {
    return (
      <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
        <h1 id="room-heading">The waiting room is closed</h1>
        <p>
          {saleName} is not letting anyone new into the line. Visitors already let in can still buy until their pass
          runs out.
        </p>
      </section>
    );
  }

  if (phase === "left" || phase === "lost") {
    return (
      <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
        <h1 id="room-heading">{phase === "left" ? "You left the line" : "Your place in line was lost"}</h1>
        <p>
          {phase === "left"
            ? "Your place has been given up, and everyone behind you moved up."
            : "The waiting room no longer knows this visitor (it was left in another tab, or the line was reset)."}{" "}
          Joining again puts you at the end of the line.
        </p>
        <button type="button" className="button button--primary" onClick={room.join}>
          Join the line again
        </button>
      </section>
    );
  }

  if (phase === "admitted") {
    return (
      <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
        <h1 id="room-heading">It is your turn!</h1>
        <p role="status">You are in. Taking you to the tickets…</p>
        {room.message && <ErrorMessage>{room.message}</ErrorMessage>}
      </section>
    );
  }

  // Waiting.
  const ahead = view?.ahead ?? null;
  const percent = progressPercent(room.mostAhead, ahead);
  const wait = formatWait(view?.estimatedWaitSeconds);
  const notOpen = opensLater(view?.opensAt, now);
  // The live channel's events carry the rate but not the room's state: a rate above 0 means it is letting in.
  const paused = view?.roomState === "paused" && !(view.admissionRatePerSecond && view.admissionRatePerSecond > 0);
  return (
    <section className="card card--narrow waiting-room" aria-labelledby="room-heading">
      <h1 id="room-heading">You are in the waiting room</h1>
      <p className="waiting-room__lead">
        Lots of people want tickets for {saleName}. Everyone is let into the shop in the order they arrived; keep this
        page open and you will be taken there when it is your turn. Reloading keeps your place.
      </p>

      {notOpen && (
        <Notice>
          <strong>The sale has not opened yet.</strong> It opens at {formatDateTime(view?.opensAt)}; your place in line is
          kept, and visitors are let in from then on.
        </Notice>
      )}
      {paused && !notOpen && (
        <Notice tone="warning">Letting people in is paused for a moment. Your place is kept.</Notice>
      )}

      <dl className="waiting-room__figures">
        <div>
          <dt>Your place in line</dt>
          <dd data-testid="queue-position">{view?.position != null ? formatCount(view.position) : "–"}</dd>
        </div>
        <div>
          <dt>People ahead of you</dt>
          <dd data-testid="queue-ahead">{ahead !== null ? formatCount(ahead) : "–"}</dd>
        </div>
        <div>
          <dt>Estimated wait</dt>
          <dd data-testid="queue-wait" className={wait ? undefined : "waiting-room__words"}>
            {wait ?? (notOpen || paused ? "once letting in starts" : "working it out…")}
          </dd>
        </div>
        <div>
          <dt>In line now</dt>
          <dd>{view?.queueLength != null ? formatCount(view.queueLength) : "–"}</dd>
        </div>
      </dl>

      <div
        className="waiting-room__progress"
        role="progressbar"
        aria-label="Your progress through the line"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={ahead === 0 ? "You are next" : `${percent}% of the way`}
      >
        <div className="waiting-room__progress-bar" style={{ width: `${percent}%` }} />
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {ahead === 0 ? "You are next in line." : ahead !== null ? `${ahead} people ahead of you.` : ""}
      </p>
      <p className="hint">
        {room.mode === "live" ? "Updates as the line moves." : "Checking your place every few seconds."}
        {view?.admissionRatePerSecond ? ` About ${formatCount(Math.round(view.admissionRatePerSecond * 60))} people are let in per minute.` : ""}
      </p>

      {room.message && <ErrorMessage>{room.message}</ErrorMessage>}
      <button type="button" className="button button--ghost" onClick={() => void room.leave()} disabled={room.leaving}>
        {room.leaving ? "Leaving…" : "Leave the line"}
      </button>
    </section>
  );
}
