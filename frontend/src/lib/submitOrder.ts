import { createOrder, type CreateOrderRequest, type CreateOrderResponse } from "../api/gateway";
import { ApiError, isUnreachable } from "../api/transport";

interface RetryPolicy {
  attempts: number;
  /** Longest wait between attempts, whatever Retry-After says: a person is waiting. */
  maxWaitS: number;
  sleep: (ms: number) => Promise<void>;
}

const DEFAULT_POLICY: RetryPolicy = {
  attempts: 3,
  maxWaitS: 5,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * POSTs the order, retrying when the gateway is busy (503 + Retry-After) or unreachable.
 * Every attempt carries the same Idempotency-Key: they are one submit, and a retry after a
 * lost answer must not place a second order. `admissionToken`: the waiting room's pass, if any.
 */
export async function submitOrder(
  order: CreateOrderRequest,
  idempotencyKey: string,
  options: Partial<RetryPolicy> & { admissionToken?: string | null } = {},
): Promise<CreateOrderResponse> {
  const { attempts, maxWaitS, sleep } = { ...DEFAULT_POLICY, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOrder(order, idempotencyKey, undefined, options.admissionToken);
    } catch (error) {
      if (attempt >= attempts || !isUnreachable(error)) throw error;
      const suggested = error instanceof ApiError && error.retryAfterS ? error.retryAfterS : attempt;
      await sleep(Math.min(suggested, maxWaitS) * 1000);
    }
  }
}
