import type { EventSales } from "../../api/gateway";
import { soldPercent } from "../../lib/events";
import { formatCount, humanize } from "../../lib/format";
import { SalesBar } from "./SalesBar";

/** The organiser's figures: per ticket type and in total, sold / held / available of the initial stock. */
export function SalesTable({ sales }: { sales: EventSales }) {
  return (
    <div className="table-scroll">
      <table className="table sales-table" aria-label="Sales per ticket type">
        <thead>
          <tr>
            <th scope="col">Ticket type</th>
            <th scope="col" className="num">
              Sold
            </th>
            <th scope="col" className="num">
              Held
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col" className="num">
              Initial
            </th>
            <th scope="col">
              <span className="visually-hidden">Share sold</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sales.tickets.map((t) => (
            <tr key={t.ticketId} data-testid={`sales-${t.ticketId}`}>
              <th scope="row">
                {t.name}
                <span className="sales-table__type">{humanize(t.type)}</span>
              </th>
              <td className="num">
                {formatCount(t.sold)}
              </td>
              <td className="num">
                {formatCount(t.held)}
              </td>
              <td className="num">
                {formatCount(t.available)}
              </td>
              <td className="num">{formatCount(t.initial)}</td>
              <td className="sales-table__bar">
                <SalesBar figures={t} />
                <span className="sales-table__percent">{soldPercent(t)}% sold</span>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="sales-totals">
            <th scope="row">All tickets</th>
            <td className="num">{formatCount(sales.totals.sold)}</td>
            <td className="num">{formatCount(sales.totals.held)}</td>
            <td className="num">{formatCount(sales.totals.available)}</td>
            <td className="num">{formatCount(sales.totals.initial)}</td>
            <td className="sales-table__bar">
              <SalesBar figures={sales.totals} />
              <span className="sales-table__percent">{soldPercent(sales.totals)}% sold</span>
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
