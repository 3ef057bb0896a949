import { useState } from "react";
import type { CartLine } from "../../lib/cart";
import { formatMoney } from "../../lib/format";
import { FieldError } from "../common/FieldError";

interface Props {
  line: CartLine;
  index: number;
  maxQty: number;
  error?: string;
  onQty: (ticketId: string, qty: number) => void;
  onRemove: (ticketId: string) => void;
}

export function CartLineRow({ line, index, maxQty, error, onQty, onRemove }: Props) {
  const { ticket, qty } = line;
  // The typed text, so that clearing the box to type a new number does not remove the line.
  const [draft, setDraft] = useState(String(qty));
  // A quantity changed elsewhere (the cart capped it, a reload) replaces the text, during render as
  // React recommends for state derived from a prop, rather than one render late from an effect.
  const [draftOf, setDraftOf] = useState(qty);
  if (draftOf !== qty) {
    setDraftOf(qty);
    setDraft(String(qty));
  }

  const inputId = `qty-${ticket.id}`;
  const errorId = `qty-${ticket.id}-error`;
  const warning = qty > ticket.available ? `Only ${ticket.available} left.` : undefined;
  const message = error ?? warning;

  const commit = (text: string) => {
    setDraft(text);
    const value = Number(text);
    if (text !== "" && Number.isInteger(value) && value >= 1) onQty(ticket.id, value);
  };

  return (
    <li className="cart-line" data-testid={`cart-line-${index}`}>
      <div className="cart-line__info">
        <p className="cart-line__name">{ticket.name}</p>
        <p className="cart-line__unit">{formatMoney(ticket.price, ticket.currency)} each</p>
      </div>
      <div className="cart-line__qty">
        <button
          type="button"
          className="stepper"
          onClick={() => onQty(ticket.id, qty - 1)}
          disabled={qty <= 1}
          aria-label={`One fewer ${ticket.name}`}
        >
          −
        </button>
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {ticket.name}
        </label>
        <input
          id={inputId}
          className="cart-line__input"
          type="number"
          inputMode="numeric"
          min={1}
          max={Math.max(1, maxQty)}
          step={1}
          value={draft}
          aria-invalid={Boolean(message) || undefined}
          aria-describedby={message ? errorId : undefined}
          onChange={(e) => commit(e.target.value)}
          onBlur={() => setDraft(String(qty))}
        />
        <button
          type="button"
          className="stepper"
          onClick={() => onQty(ticket.id, qty + 1)}
          disabled={qty >= maxQty}
          aria-label={`One more ${ticket.name}`}
        >
          +
        </button>
      </div>
      <p className="cart-line__total">{formatMoney((Math.round(ticket.price * 100) * qty) / 100, ticket.currency)}</p>
      <button type="button" className="link-button cart-line__remove" onClick={() => onRemove(ticket.id)}>
        Remove <span className="visually-hidden">{ticket.name}</span>
      </button>
      <div className="cart-line__error">
        <FieldError id={errorId} message={message} />
      </div>
    </li>
  );
}
