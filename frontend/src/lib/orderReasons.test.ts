import { describe, expect, it } from "vitest";
import { describeReason } from "./orderReasons";

describe("order reasons in plain words", () => {
  it("explains each lifecycle reason, saying the tickets were released and nothing charged", () => {
    expect(describeReason("payment_declined", "payment_failed")).toMatch(/card was declined, so nothing was charged.*released/);
    expect(describeReason("payment_error", "payment_failed")).toMatch(/payment service after several tries.*released/);
    expect(describeReason("hold_expired", "expired")).toMatch(/time to pay .* ran out.*released/);
    expect(describeReason("cancelled_by_customer", "cancelled")).toMatch(/You cancelled this order.*released/);
  });

  it("keeps the stock reasons as they were", () => {
    expect(describeReason("insufficient_stock", "rejected")).toMatch(/not enough tickets left/);
  });

  it("falls back to words for the status, naming a reason it does not know", () => {
    expect(describeReason(null, "expired")).toMatch(/ran out/);
    expect(describeReason("card_stolen", "payment_failed")).toMatch(/did not go through.*\(reason: card stolen\)$/);
  });
});
