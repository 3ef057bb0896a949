import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/transport";
import { admissionErrorFor, checkoutErrorsFor, messageWithoutField, opensAtOf, orderActionErrorFor } from "./checkoutErrors";

describe("checkoutErrorsFor maps the gateway's field path to the form", () => {
  it("puts customer.email on the email input, without the redundant field prefix", () => {
    const errors = checkoutErrorsFor(
      "customer.email",
      "customer.email: value is not a valid email address: An email address must have an @-sign.",
    );
    expect(errors.inputs).toEqual({ email: "Value is not a valid email address: An email address must have an @-sign." });
  });

  it("puts customer.name and paymentMethod on their inputs", () => {
    expect(checkoutErrorsFor("customer.name", "customer.name: is required").inputs).toEqual({ name: "Is required" });
    expect(checkoutErrorsFor("paymentMethod", "paymentMethod: Input should be 'credit_card'").inputs).toEqual({
      paymentMethod: "Input should be 'credit_card'",
    });
  });

  it("puts card.number on the card input", () => {
    expect(checkoutErrorsFor("card.number", "card.number: must be 13-19 digits").inputs).toEqual({
      card: "Must be 13-19 digits",
    });
  });

  it("puts items[i].qty and items[i].ticketId on cart line i", () => {
    expect(checkoutErrorsFor("items[1].qty", "items[1].qty: at most 10 tickets per order").lines).toEqual({
      1: "At most 10 tickets per order",
    });
    expect(checkoutErrorsFor("items[0].ticketId", "items[0].ticketId: unknown ticket 'x'").lines).toEqual({
      0: "Unknown ticket 'x'",
    });
  });

  it("puts items on the cart as a whole", () => {
    const errors = checkoutErrorsFor("items", "items: at most 10 tickets per order (this order has 12)");
    expect(errors.cart).toBe("At most 10 tickets per order (this order has 12)");
  });

  it("puts body, unknown fields and field-less errors at the top of the form, word for word", () => {
    expect(checkoutErrorsFor("body", "body: must be a JSON object").form).toBe("body: must be a JSON object");
    expect(checkoutErrorsFor("customer.phone", "customer.phone: unknown").form).toBe("customer.phone: unknown");
    expect(checkoutErrorsFor(null, "internal error").form).toBe("internal error");
  });

  it("leaves a message that does not start with its field alone", () => {
    expect(messageWithoutField("must be set", "customer.name")).toBe("must be set");
  });
});

describe("orderActionErrorFor explains a refused payment or cancel", () => {
  it("explains 409 as the order having moved on, per action, and asks for a fresh look", () => {
    const pay = orderActionErrorFor("pay", new ApiError(409, "order is paying, not reserved"));
    expect(pay).toEqual({ message: expect.stringMatching(/can no longer be paid: it is already being paid, is paid/), refresh: true });
    const cancel = orderActionErrorFor("cancel", new ApiError(409, "order is paying"));
    expect(cancel.message).toMatch(/can no longer be cancelled: its payment is already under way/);
    expect(cancel.refresh).toBe(true);
  });

  it("explains 410 as the hold having run out", () => {
    expect(orderActionErrorFor("pay", new ApiError(410, "hold expired")).message).toMatch(
      /time to pay for this order has run out.*nothing was charged/,
    );
    expect(orderActionErrorFor("cancel", new ApiError(410, "hold expired")).message).toMatch(/already run out/);
  });

  it("puts a card or payment method error beside its input, and does not refresh", () => {
    expect(orderActionErrorFor("pay", new ApiError(400, "card.number: must be 13-19 digits", "card.number"))).toEqual({
      input: "card",
      message: "Must be 13-19 digits",
      refresh: false,
    });
    expect(orderActionErrorFor("pay", new ApiError(400, "paymentMethod: bad", "paymentMethod")).input).toBe("paymentMethod");
  });

  it("says an unanswered payment is safe to try again, and shows other errors word for word", () => {
    const lost = orderActionErrorFor("pay", new NetworkError());
    expect(lost.message).toMatch(/never charged twice/);
    expect(orderActionErrorFor("pay", new ApiError(503, "busy")).refresh).toBe(true);
    expect(orderActionErrorFor("pay", new ApiError(400, "body: must be a JSON object", "body")).message).toBe(
      "body: must be a JSON object",
    );
  });
});

describe("the waiting room's refusals of an order", () => {
  const at = (iso: string) => `AT ${iso}`;
  it("explains 425 with the opening time from the body, and offers no rejoin", () => {
    const errors = admissionErrorFor(
      new ApiError(425, "the sale opens at 2099-06-01T18:00:00Z", null, null, { opensAt: "2099-06-01T18:00:00Z" }),
      at,
    );
    expect(errors?.form).toContain("has not opened yet: it opens at AT 2099-06-01T18:00:00Z");
    expect(errors?.rejoin).toBeFalsy();
  });

  it("finds the opening time in the message when the body has none", () => {
    expect(opensAtOf(new ApiError(425, "the sale opens at 2099-06-01T18:00:00+00:00"))).toBe("2099-06-01T18:00:00+00:00");
  });

  it("explains a missing, expired or bad pass (401), another sale's (403) and a used-up one (429), each with a way back in", () => {
    const cases: [ApiError, RegExp][] = [
      [new ApiError(401, "admission token missing"), /need a pass/],
      [new ApiError(401, "admission token expired"), /has expired/],
      [new ApiError(401, "admission token: bad signature"), /could not be verified/],
      [new ApiError(403, "admission token is for another sale"), /different sale/],
      [new ApiError(429, "admission token used up"), /as many orders as it allows/],
    ];
    for (const [error, text] of cases) {
      const errors = admissionErrorFor(error);
      expect(errors?.form, error.message).toMatch(text);
      expect(errors?.rejoin, error.message).toBe(true);
    }
  });

  it("leaves every other answer to the usual mapping", () => {
    expect(admissionErrorFor(new ApiError(400, "customer.email: bad", "customer.email"))).toBeNull();
    expect(admissionErrorFor(new ApiError(409, "conflict"))).toBeNull();
  });
});
