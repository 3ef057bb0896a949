import type { Order } from "../../api/gateway";
import { lifecycleSteps } from "../../lib/orderLifecycle";

/** pending → reserved → paying → confirmed, or where the order left that path (lib/orderLifecycle.ts). */
export function OrderProgress({ order }: { order: Pick<Order, "status" | "holdExpiresAt" | "payment"> }) {
  return (
    <ol className="progress" aria-label="Order progress">
      {lifecycleSteps(order).map((step) => (
        <li
          key={step.key}
          className={`progress__step progress__step--${step.state}`}
          aria-current={step.state === "current" ? "step" : undefined}
        >
          <span className="progress__marker" aria-hidden="true" />
          {step.label}
        </li>
      ))}
    </ol>
  );
}
