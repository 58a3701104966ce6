import { setTimeout as sleep } from "node:timers/promises";

/** Retries of one request, as the credentials' `clientOptions` set them. */
export interface RequestRetries {
  maxRetries: number;
  retryDelayMultiplier: number;
  maxRetryDelaySeconds: number;
}

/** HTTP statuses Cloud Storage documents as transient: retried with backoff. */
export const retryableStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Waits before retry number `tries` (0 for the first): about one second, growing by
 * `retryDelayMultiplier` each time, with up to a second of jitter, capped at
 * `maxRetryDelaySeconds` (Cloud Storage's truncated exponential backoff).
 */
export async function backoff(
  retries: RequestRetries,
  tries: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const delay = Math.min(
    retries.retryDelayMultiplier ** tries * 1000 + Math.random() * 1000,
    retries.maxRetryDelaySeconds * 1000,
  );
  await sleep(delay, undefined, signal ? { signal } : {});
}
