import { TEST_CARDS } from "../../lib/paymentMethods";
import { FieldError } from "../common/FieldError";

interface Props {
  id: string;
  value: string;
  error?: string;
  onValue: (value: string) => void;
}

/**
 * The optional card number, with the payment provider's test cards one click away: this is a demo
 * system and no real card is ever charged. Its format is the gateway's rule (13-19 digits, spaces allowed).
 */
export function CardNumberField({ id, value, error, onValue }: Props) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div className={`field card-field ${error ? "field--invalid" : ""}`}>
      <label htmlFor={id}>
        Card number <span className="field__optional">(optional)</span>
      </label>
      <input
        id={id}
        value={value}
        inputMode="numeric"
        autoComplete="off"
        placeholder="4242 4242 4242 4242"
        aria-invalid={Boolean(error) || undefined}
        aria-describedby={[hintId, error ? errorId : ""].filter(Boolean).join(" ")}
        onChange={(e) => onValue(e.target.value)}
      />
      <FieldError id={errorId} message={error} />
      <div className="card-field__hint">
        <p id={hintId}>No real card is charged. Test cards:</p>
        <ul className="test-cards">
          {TEST_CARDS.map((card) => (
            <li key={card.number}>
              <button
                type="button"
                className="link-button mono"
                aria-label={`Use test card ${card.number}, ${card.label}`}
                onClick={() => onValue(card.number)}
              >
                {card.number}
              </button>{" "}
              {card.label}
            </li>
          ))}
        </ul>
        <p>Any other number, or none, gets the payment service's usual mix of outcomes.</p>
      </div>
    </div>
  );
}
