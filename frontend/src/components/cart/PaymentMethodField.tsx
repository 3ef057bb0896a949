import { PAYMENT_METHODS, type PaymentMethod } from "../../api/gateway";
import { PAYMENT_METHOD_LABELS } from "../../lib/paymentMethods";
import { FieldError } from "../common/FieldError";

interface Props {
  value: PaymentMethod;
  error?: string;
  onChange: (method: PaymentMethod) => void;
}

/** Radio tiles: every method the gateway accepts, visible at once; arrow keys move between them. */
export function PaymentMethodField({ value, error, onChange }: Props) {
  const errorId = "payment-method-error";
  return (
    <fieldset
      className={`payment-methods ${error ? "field--invalid" : ""}`}
      aria-describedby={error ? errorId : undefined}
      aria-invalid={Boolean(error) || undefined}
    >
      <legend>Payment method</legend>
      <div className="payment-methods__grid">
        {PAYMENT_METHODS.map((method) => (
          <label key={method} className="payment-method">
            <input
              type="radio"
              name="paymentMethod"
              value={method}
              checked={value === method}
              onChange={() => onChange(method)}
            />
            <span>{PAYMENT_METHOD_LABELS[method]}</span>
          </label>
        ))}
      </div>
      <FieldError id={errorId} message={error} />
    </fieldset>
  );
}
