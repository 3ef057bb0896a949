import type { OrderStatus } from "../../api/gateway";

interface Step {
  label: string;
  state: "done" | "current" | "upcoming" | "bad";
}

function steps(status: OrderStatus): Step[] {
  const decided = status !== "pending";
  const outcome =
    status === "confirmed" ? "Confirmed" : status === "rejected" ? "Rejected" : status === "failed" ? "Failed" : "Decision";
  return [
    { label: "Received", state: "done" },
    { label: "Checking availability", state: decided ? "done" : "current" },
    { label: outcome, state: !decided ? "upcoming" : status === "confirmed" ? "done" : "bad" },
  ];
}

export function OrderProgress({ status }: { status: OrderStatus }) {
  return (
    <ol className="progress" aria-label="Order progress">
      {steps(status).map((step) => (
        <li
          key={step.label}
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
