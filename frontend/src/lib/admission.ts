/**
 * What this browser keeps of the waiting room, in localStorage so that a reload or a second tab keeps
 * the place: the visitor id per sale (joining again with it keeps the place in line) and the admission
 * pass once let in (sent as `Admission-Token` with each order until it expires or is used up).
 * The server decides everything; this is only what to send it. Storage is an argument, for tests.
 */
import type { VisitorStatus } from "../api/gateway";

export interface AdmissionPass {
  saleId: string;
  visitorId: string;
  token: string;
  /** ISO time; null if the server did not say. */
  expiresAt: string | null;
  /** Orders the pass still allows, as last counted here; null if the server did not say. */
  usesLeft: number | null;
}

const VISITOR_PREFIX = "ticketing.visitor.";
// One pass at a time: one sale for now (issue 17 may key this by sale).
const PASS_KEY = "ticketing.admission";

function storage(given?: Storage): Storage | null {
  if (given) return given;
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: the visitor simply gets a new place on reload
  }
}

export function readVisitorId(saleId: string, store?: Storage): string | null {
  return storage(store)?.getItem(VISITOR_PREFIX + saleId) ?? null;
}

export function saveVisitorId(saleId: string, visitorId: string, store?: Storage): void {
  storage(store)?.setItem(VISITOR_PREFIX + saleId, visitorId);
}

export function forgetVisitorId(saleId: string, store?: Storage): void {
  storage(store)?.removeItem(VISITOR_PREFIX + saleId);
}

/** Keeps the pass of an admitted visitor; false if the status carries none. */
export function savePass(status: VisitorStatus, store?: Storage): boolean {
  if (status.status !== "admitted" || !status.admissionToken) return false;
  const pass: AdmissionPass = {
    saleId: status.saleId,
    visitorId: status.visitorId,
    token: status.admissionToken,
    expiresAt: status.tokenExpiresAt,
    usesLeft: status.usesLeft,
  };
  storage(store)?.setItem(PASS_KEY, JSON.stringify(pass));
  return true;
}

export function isUsable(pass: AdmissionPass, now: number): boolean {
  const expires = pass.expiresAt ? Date.parse(pass.expiresAt) : NaN;
  if (!Number.isNaN(expires) && expires <= now) return false;
  return pass.usesLeft === null || pass.usesLeft > 0;
}

/** The pass to send, if this browser holds one that has not expired or been used up (for `saleId`, if given). */
export function readPass(now: number, saleId?: string, store?: Storage): AdmissionPass | null {
  const raw = storage(store)?.getItem(PASS_KEY);
  if (!raw) return null;
  let pass: AdmissionPass;
  try {
    pass = JSON.parse(raw) as AdmissionPass;
  } catch {
    return null;
  }
  if (typeof pass?.token !== "string" || (saleId !== undefined && pass.saleId !== saleId)) return null;
  return isUsable(pass, now) ? pass : null;
}

/** An order was placed with the pass: one use fewer (the server counts too; this only saves a refused try). */
export function notePassUsed(store?: Storage): void {
  const s = storage(store);
  const raw = s?.getItem(PASS_KEY);
  if (!s || !raw) return;
  try {
    const pass = JSON.parse(raw) as AdmissionPass;
    if (pass.usesLeft !== null) s.setItem(PASS_KEY, JSON.stringify({ ...pass, usesLeft: Math.max(0, pass.usesLeft - 1) }));
  } catch {
    s.removeItem(PASS_KEY);
  }
}

/** The server refused the pass (expired, forged, used up): it will not work again. */
export function dropPass(store?: Storage): void {
  storage(store)?.removeItem(PASS_KEY);
}
