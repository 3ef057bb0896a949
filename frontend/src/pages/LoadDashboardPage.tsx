import { ApiError, isUnreachable } from "../api/transport";
import { LiveIndicator } from "../components/common/LiveIndicator";
import { Notice } from "../components/common/Notice";
import { BacklogChart } from "../components/load/BacklogChart";
import { ErrorSamples } from "../components/load/ErrorSamples";
import { GeneratorStatus } from "../components/load/GeneratorStatus";
import { KeyFigures } from "../components/load/KeyFigures";
import { LatencyChart } from "../components/load/LatencyChart";
import { OutcomesChart } from "../components/load/OutcomesChart";
import { PaymentsChart } from "../components/load/PaymentsChart";
import { ResetDemoControl } from "../components/load/ResetDemoControl";
import { ScalingPanel } from "../components/load/ScalingPanel";
import { runCaption } from "../components/load/scalingFormat";
import { StockChart } from "../components/load/StockChart";
import { SystemRateChart } from "../components/load/SystemRateChart";
import { ThroughputChart } from "../components/load/ThroughputChart";
import { WorkersChart } from "../components/load/WorkersChart";
import { WaitingRoomChart } from "../components/load/WaitingRoomChart";
import { WorkersTable } from "../components/load/WorkersTable";
import { WorkloadControls } from "../components/load/WorkloadControls";
import { useDashboardData } from "../hooks/useDashboardData";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { useSessionToken } from "../hooks/useSessionToken";
import { useTicketNames } from "../hooks/useTicketNames";
import { throughputPoints } from "../lib/dashboardHistory";

export function LoadDashboardPage({ refreshMs }: { refreshMs?: number }) {
  useDocumentTitle("Load & autoscaling");
  const { token, setToken } = useSessionToken();
  const data = useDashboardData(token, refreshMs);
  const names = useTicketNames();

  const generatorUnreachable = isUnreachable(data.statsError);
  const statsNeedToken = data.statsError instanceof ApiError && data.statsError.status === 401;
  const systemUnreachable = Boolean(data.systemError);
  const stats = generatorUnreachable ? null : data.stats;
  // The time of the last poll, not Date.now(): render stays pure. Stats only exist after a poll, so
  // the fallback is never read.
  const points = throughputPoints(stats, data.history, data.updatedAt ?? 0);
  const caption = runCaption(stats);
  const latest = data.history[data.history.length - 1] ?? null;
  const events = data.scaling?.events ?? [];

  return (
    <>
      <div className="page-heading">
        <div>
          <h1>Load &amp; autoscaling</h1>
          <p className="page-heading__lead">
            Drive orders at a chosen rate and watch the order workers scale out to keep the backlog down.
          </p>
        </div>
        <div className="page-heading__side">
          <GeneratorStatus stats={stats} unreachable={generatorUnreachable} />
          <LiveIndicator updatedAt={data.updatedAt} stale={systemUnreachable} />
        </div>
      </div>

      {generatorUnreachable && (
        <Notice tone="warning">
          <strong>Load generator unreachable.</strong> Start it and this page reconnects by itself; the system view below
          keeps working without it.
        </Notice>
      )}
      {systemUnreachable && (
        <Notice tone="warning">
          <strong>API gateway unreachable.</strong> Backlog, workers and stock resume when it answers again.
        </Notice>
      )}

      <div className="dashboard-top">
        <div className="dashboard-side">
          <WorkloadControls
            stats={stats}
            unreachable={generatorUnreachable}
            statsNeedToken={statsNeedToken}
            token={token}
            setToken={setToken}
            onChanged={data.refresh}
          />
          <ResetDemoControl token={token} setToken={setToken} onReset={data.refresh} />
        </div>
        <div className="dashboard-main">
          <KeyFigures stats={stats} system={data.system} latest={latest} />
          <ErrorSamples stats={stats} />
        </div>
      </div>

      <ScalingPanel scaling={data.scaling} error={data.scalingError} />

      <h2 className="section-heading">Live charts</h2>
      <div className="chart-grid">
        <SystemRateChart history={data.history} events={events} />
        <WorkersChart history={data.history} events={events} />
        <WaitingRoomChart history={data.history} room={data.room} error={data.roomError} events={events} />
        <WorkersTable system={data.system} rates={latest?.workerDecidedPerS} />
        <ThroughputChart points={points} caption={caption} events={events} />
        <LatencyChart points={points} caption={caption} events={events} />
        <OutcomesChart history={data.history} />
        <PaymentsChart history={data.history} />
        <BacklogChart history={data.history} stream={data.system?.stream ?? null} events={events} />
        <StockChart stock={data.system?.stock ?? []} names={names} />
      </div>
    </>
  );
}
