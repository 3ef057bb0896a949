import { useEffect, useState } from "react";
import { listSales, type RoomState, type Sale } from "../api/gateway";
import { type AdmissionPass, readPass } from "../lib/admission";

/** The states in which buying needs a pass from the waiting room. */
export function roomIsOn(state: RoomState): boolean {
  return state !== "off";
}

/**
 * A sale, asked once: every event is one (its id is the event's), each with its own waiting room.
 * `saleId` picks one; without it, the gateway's first (the default event's, which the tickets page
 * sells). A gateway without sales (older), out of reach or without that sale gives null: the shop then
 * works as it always did, and the server still has the last word.
 */
export interface SaleState {
  sale: Sale | null;
  /** This browser's pass for that sale, if it holds a usable one (read when the sale arrived). */
  pass: AdmissionPass | null;
  loaded: boolean;
}

export function useSale(saleId?: string): SaleState {
  const [state, setState] = useState<SaleState>({ sale: null, pass: null, loaded: false });
  useEffect(() => {
    const controller = new AbortController();
    listSales(controller.signal)
      .then((sales) => {
        const sale = (saleId === undefined ? sales[0] : sales.find((s) => s.saleId === saleId)) ?? null;
        setState({ sale, pass: sale ? readPass(Date.now(), sale.saleId) : null, loaded: true });
      })
      .catch(() => {
        if (!controller.signal.aborted) setState({ sale: null, pass: null, loaded: true });
      });
    return () => controller.abort();
  }, [saleId]);
  return state;
}
