import type { ReactNode } from "react";

type Tone = "info" | "warning" | "success";

/** Calm, non-urgent information (not announced as an alert). */
export function Notice({ tone = "info", children }: { tone?: Tone; children: ReactNode }) {
  return <div className={`notice notice--${tone}`}>{children}</div>;
}
