import type { ReactNode } from "react";

/** A problem the person should notice now; announced by screen readers. */
export function ErrorMessage({ title, children }: { title?: string; children: ReactNode }) {
  return (
    <div className="notice notice--error" role="alert">
      {title && <p className="notice__title">{title}</p>}
      <div>{children}</div>
    </div>
  );
}
