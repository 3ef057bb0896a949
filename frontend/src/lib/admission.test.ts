import { beforeEach, describe, expect, it } from "vitest";
import { admittedStatus, SALE_ID, visitorStatus } from "../test/fixtures";
import { dropPass, forgetVisitorId, notePassUsed, readPass, readVisitorId, savePass, saveVisitorId } from "./admission";

const NOW = Date.parse("2098-01-01T00:00:00Z");

beforeEach(() => localStorage.clear());

describe("what the browser keeps of the waiting room", () => {
  it("keeps and forgets the visitor id per sale", () => {
    saveVisitorId(SALE_ID, "v-1");
    expect(readVisitorId(SALE_ID)).toBe("v-1");
    expect(readVisitorId("other-sale")).toBeNull();
    forgetVisitorId(SALE_ID);
    expect(readVisitorId(SALE_ID)).toBeNull();
  });

  it("keeps a pass only from an admitted status that carries a token", () => {
    expect(savePass(visitorStatus())).toBe(false);
    expect(readPass(NOW)).toBeNull();
    expect(savePass(admittedStatus())).toBe(true);
    expect(readPass(NOW, SALE_ID)).toMatchObject({ saleId: SALE_ID, token: admittedStatus().admissionToken });
    expect(readPass(NOW, "other-sale")).toBeNull();
  });

  it("offers no pass once it has expired", () => {
    savePass(admittedStatus({ tokenExpiresAt: "2098-01-01T00:00:00Z" }));
    expect(readPass(NOW - 1)).not.toBeNull();
    expect(readPass(NOW)).toBeNull();
  });

  it("counts uses down and offers no pass once they are used up, or after a refusal", () => {
    savePass(admittedStatus({ usesLeft: 2 }));
    notePassUsed();
    expect(readPass(NOW)?.usesLeft).toBe(1);
    notePassUsed();
    expect(readPass(NOW)).toBeNull();
    savePass(admittedStatus());
    dropPass();
    expect(readPass(NOW)).toBeNull();
  });

  it("ignores a stored value that is not a pass", () => {
    localStorage.setItem("ticketing.admission", "{not json");
    expect(readPass(NOW)).toBeNull();
  });
});
