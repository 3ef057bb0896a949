import { describe, expect, it } from "vitest";
import { checkoutErrorsFor, messageWithoutField } from "./checkoutErrors";

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
