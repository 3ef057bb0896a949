import { useCallback, useEffect, useRef, useState } from "react";
import {
  getRoom,
  getScaling,
  getSystemStatus,
  listSales,
  type RoomStats,
  type ScalingStatus,
  type SystemStatus,
} from "../api/gateway";
import { getWorkloadStats, type WorkloadStats } from "../api/generator";
import { isUnreachable } from "../api/transport";
import { appendSample, type DashboardSample, rateBase, type Snapshot, toSample, WORKER_RATE_WINDOW_MS } from "../lib/dashboardHistory";

export const DASHBOARD_REFRESH_MS = 1_000;

/** A generator that is not there is asked again this much later, not every second. */
export const UNREACHABLE_RETRY_MS = 5_000;

export interface DashboardData {
  stats: WorkloadStats | null;
  statsError: unknown;
  system: SystemStatus | null;
  systemError: unknown;
  /** GET /system/scaling: replicas, metrics and events. */
  scaling: ScalingStatus | null;
  scalingError: unknown;
  /** The sale's waiting room (operator view: loopback or the admin token); null when off limits or absent. */
  room: RoomStats | null;
  roomError: unknown;
  history: DashboardSample[];
  updatedAt: number | null;
  /** Poll now rather than at the next tick, e.g. right after start or stop. */
  refresh: () => void;
}

/**
 * Polls the generator's stats and the gateway's system status together once a second, so
 * each sample of the history pairs both, and the gateway's scaling view with them. One failing
 * source leaves the others working.
 */
export function useDashboardData(token: string | null, intervalMs = DASHBOARD_REFRESH_MS): DashboardData {
  const [stats, setStats] = useState<WorkloadStats | null>(null);
  const [statsError, setStatsError] = useState<unknown>(null);
  const [system, setSystem] = useState<SystemStatus | null>(null);
  const [systemError, setSystemError] = useState<unknown>(null);
  const [scaling, setScaling] = useState<ScalingStatus | null>(null);
  const [scalingError, setScalingError] = useState<unknown>(null);
  const [room, setRoom] = useState<RoomStats | null>(null);
  const [roomError, setRoomError] = useState<unknown>(null);
  const [history, setHistory] = useState<DashboardSample[]>([]);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [nudge, setNudge] = useState(0);
  const recent = useRef<Snapshot[]>([]);
  const skipStatsUntil = useRef(0);
  const statsErrorRef = useRef<unknown>(null);
  // A gateway without the scaling view (older, or down) is asked again only now and then.
  const skipScalingUntil = useRef(0);
  const scalingErrorRef = useRef<unknown>(null);
  // The room likewise: a refusal (no token from afar, an older gateway) is not asked about every second.
  const saleIdRef = useRef<string | null>(null);
  const skipRoomUntil = useRef(0);

  // An explicit refresh (after start/stop) asks the generator at once, whatever happened before.
  // Declared before the polling effect so that it runs first.
  useEffect(() => {
    skipStatsUntil.current = 0;
    skipRoomUntil.current = 0;
  }, [nudge, token]);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const tick = async () => {
      const askStats = Date.now() >= skipStatsUntil.current;
      const askScaling = Date.now() >= skipScalingUntil.current;
      const askRoom = Date.now() >= skipRoomUntil.current;
      const loadRoom = async (): Promise<RoomStats | null> => {
        if (!saleIdRef.current) saleIdRef.current = (await listSales(controller.signal))[0]?.saleId ?? null;
        return saleIdRef.current ? getRoom(saleIdRef.current, token, controller.signal) : null;
      };
      const [statsResult, systemResult, scalingResult, roomResult] = await Promise.allSettled([
        askStats ? getWorkloadStats(token, controller.signal) : Promise.resolve(null),
        getSystemStatus(controller.signal),
        askScaling ? getScaling(controller.signal) : Promise.resolve(null),
        askRoom ? loadRoom() : Promise.resolve(null),
      ]);
      if (controller.signal.aborted) return;

      let roomNow: RoomStats | null = null;
      if (askRoom) {
        if (roomResult.status === "fulfilled") {
          roomNow = roomResult.value;
          setRoomError(null);
          if (!roomNow) skipRoomUntil.current = Date.now() + UNREACHABLE_RETRY_MS; // no sale: ask again later
        } else {
          setRoomError(roomResult.reason);
          skipRoomUntil.current = Date.now() + UNREACHABLE_RETRY_MS;
        }
        setRoom(roomNow);
      }

      let statsNow: WorkloadStats | null = null;
      let statsProblem: unknown = null;
      if (!askStats) {
        statsProblem = statsErrorRef.current; // not asked this time: the last answer stands
      } else if (statsResult.status === "fulfilled") {
        statsNow = statsResult.value;
      } else {
        statsProblem = statsResult.reason;
        if (isUnreachable(statsProblem)) skipStatsUntil.current = Date.now() + UNREACHABLE_RETRY_MS;
      }
      statsErrorRef.current = statsProblem;

      let scalingNow: ScalingStatus | null = null;
      let scalingProblem: unknown = null;
      if (!askScaling) {
        scalingProblem = scalingErrorRef.current;
      } else if (scalingResult.status === "fulfilled") {
        scalingNow = scalingResult.value;
      } else {
        scalingProblem = scalingResult.reason;
        skipScalingUntil.current = Date.now() + UNREACHABLE_RETRY_MS;
      }
      scalingErrorRef.current = scalingProblem;

      const snapshot: Snapshot = {
        t: Date.now(),
        stats: statsNow,
        system: systemResult.status === "fulfilled" ? systemResult.value : null,
        scaling: scalingNow,
        room: roomNow,
      };
      setStats((old) => snapshot.stats ?? old);
      setStatsError(statsProblem);
      setSystem((old) => snapshot.system ?? old);
      setSystemError(systemResult.status === "rejected" ? systemResult.reason : null);
      // Kept while the gateway is unreachable or not asked; dropped when it answers with an error (e.g. 404).
      if (scalingNow) setScaling(scalingNow);
      else if (askScaling && !isUnreachable(scalingProblem)) setScaling(null);
      setScalingError(scalingProblem);
      // Computed here, not inside the state updater: that runs later, after `recent` has moved on.
      const sample = toSample(snapshot, rateBase(recent.current, snapshot.t), rateBase(recent.current, snapshot.t, WORKER_RATE_WINDOW_MS));
      recent.current = [...recent.current, snapshot].filter((s) => snapshot.t - s.t <= WORKER_RATE_WINDOW_MS + 1000);
      setHistory((h) => appendSample(h, sample));
      setUpdatedAt(snapshot.t);
      timer = setTimeout(tick, intervalMs);
    };
    void tick();

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [token, intervalMs, nudge]);

  const refresh = useCallback(() => setNudge((n) => n + 1), []);
  return { stats, statsError, system, systemError, scaling, scalingError, room, roomError, history, updatedAt, refresh };
}
