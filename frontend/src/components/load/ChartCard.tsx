import type { ReactNode } from "react";

interface Props {
  id: string;
  title: string;
  /** The latest values in words: for people glancing, and for screen readers, which cannot read the chart. */
  summary: ReactNode;
  children: ReactNode;
  /** Shown below the chart and readable by everyone, e.g. the exact numbers as a table. */
  footer?: ReactNode;
  wide?: boolean;
}

export function ChartCard({ id, title, summary, children, footer, wide }: Props) {
  return (
    <figure className={`card chart-card ${wide ? "chart-card--wide" : ""}`} aria-labelledby={`${id}-title`} data-testid={id}>
      <figcaption className="chart-card__caption">
        <h3 id={`${id}-title`} className="chart-card__title">
          {title}
        </h3>
        <p className="chart-card__summary">{summary}</p>
      </figcaption>
      {/* Hidden from assistive tech (the summary says it in words); so the charts are built
          without Recharts' keyboard layer, which would put focusable elements in here. */}
      <div className="chart-card__plot" aria-hidden="true">
        {children}
      </div>
      {footer}
    </figure>
  );
}
