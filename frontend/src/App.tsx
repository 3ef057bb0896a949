import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { Spinner } from "./components/common/Spinner";
import { AppLayout } from "./components/layout/AppLayout";
import { EventPage } from "./pages/EventPage";
import { EventSalesPage } from "./pages/EventSalesPage";
import { EventsPage } from "./pages/EventsPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { OrderPage } from "./pages/OrderPage";
import { TicketsPage } from "./pages/TicketsPage";
import { WaitingRoomPage } from "./pages/WaitingRoomPage";

// The dashboard brings the charting library; buyers never pay for it.
const LoadDashboardPage = lazy(() =>
  import("./pages/LoadDashboardPage").then((module) => ({ default: module.LoadDashboardPage })),
);

export function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<TicketsPage />} />
        <Route path="events" element={<EventsPage />} />
        <Route path="events/:eventId" element={<EventPage />} />
        <Route path="events/:eventId/sales" element={<EventSalesPage />} />
        <Route path="events/:eventId/queue" element={<WaitingRoomPage />} />
        <Route path="queue" element={<WaitingRoomPage />} />
        <Route path="orders/:orderId" element={<OrderPage />} />
        <Route
          path="load"
          element={
            <Suspense fallback={<Spinner label="Loading the dashboard…" />}>
              <LoadDashboardPage />
            </Suspense>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
