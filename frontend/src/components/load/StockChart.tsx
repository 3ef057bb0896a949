import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { SystemStatus } from "../../api/gateway";
import { formatCount } from "../../lib/format";
import { ChartCard } from "./ChartCard";
import { COLORS, INITIAL_DIMENSION } from "./chartTheme";

interface Props {
  stock: SystemStatus["stock"];
  names: Record<string, string>;
}

const ROW_HEIGHT = 34;

/**
 * Available, held (by reserved or paying orders) and sold tickets per ticket, as horizontal stacked
 * bars: held swells while payments are in flight, then turns into sold or back into available.
 */
export function StockChart({ stock, names }: Props) {
  const rows = stock.map((s) => ({ ...s, label: names[s.ticketId] ?? s.ticketId }));
  const remaining = stock.reduce((sum, s) => sum + s.available, 0);
  const held = stock.reduce((sum, s) => sum + (s.held ?? 0), 0);
  const sold = stock.reduce((sum, s) => sum + s.sold, 0);
  const height = Math.max(160, rows.length * ROW_HEIGHT + 60);
  return (
    <ChartCard
      id="chart-stock"
      title="Stock per ticket: available, held, sold"
      summary={
        stock.length
          ? `${formatCount(remaining)} tickets left, ${formatCount(held)} held, ${formatCount(sold)} sold`
          : "No data yet"
      }
      wide
      footer={
        <details className="chart-card__details">
          <summary>Show the numbers</summary>
          <table className="table table--compact stock-table">
            <caption className="visually-hidden">Stock per ticket</caption>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col" className="num">Available</th>
                <th scope="col" className="num">Held</th>
                <th scope="col" className="num">Sold</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.ticketId}>
                  <th scope="row">{row.label}</th>
                  <td className="num">{formatCount(row.available)}</td>
                  <td className="num">{formatCount(row.held ?? 0)}</td>
                  <td className="num">{formatCount(row.sold)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      }
    >
      <ResponsiveContainer width="100%" height={height} initialDimension={{ ...INITIAL_DIMENSION, height }}>
        <BarChart data={rows} accessibilityLayer={false} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={COLORS.grid} horizontal={false} />
          <XAxis type="number" stroke={COLORS.axis} fontSize={12} tickFormatter={(v) => formatCount(Number(v))} />
          <YAxis type="category" dataKey="label" width={150} stroke={COLORS.axis} fontSize={12} />
          <Tooltip formatter={(v) => formatCount(Number(v))} />
          <Legend />
          <Bar name="Available" dataKey="available" stackId="s" fill={COLORS.available} isAnimationActive={false} />
          <Bar name="Held" dataKey="held" stackId="s" fill={COLORS.held} isAnimationActive={false} />
          <Bar name="Sold" dataKey="sold" stackId="s" fill={COLORS.sold} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
