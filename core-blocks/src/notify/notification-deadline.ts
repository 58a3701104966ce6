import {
  NotificationCancelledError,
  NotificationRateLimitedError,
  NotificationTimeoutError,
  TesseraError,
} from "../errors/index.js";
import type { NotifyOptions } from "./notifier.js";

/** The deadline of `notify` when the caller gives none, in milliseconds. */
export const DEFAULT_NOTIFY_DEADLINE_MS = 30_000;

/**
 * The time budget of one `notify` call, for notifier implementations: one `signal` that aborts
 * when the deadline passes or the caller cancels, waits that end early for either, and the coded
 * error to throw in each case.
 *
 * ```ts
 * const deadline = NotificationDeadline.start(this.slug ?? "acme-pager", options);
 * try {
 *   await fetch(url, { signal: deadline.signal });
 * } catch (error) {
 *   throw deadline.failure(error);
 * } finally {
 *   deadline.dispose();
 * }
 * ```
 */
export class NotificationDeadline {
  /** The notifier, as errors name it. */
  readonly notifier: string;
  /** The whole budget in milliseconds. */
  readonly budgetMs: number;
  /** Aborts when the deadline passes or the caller's signal aborts. */
  readonly signal: AbortSignal;
  readonly #endsAt: number;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onCallerAbort: () => void;

  private constructor(notifier: string, options: NotifyOptions) {
    this.notifier = notifier;
    const now = Date.now();
    const deadline = options.deadline ?? DEFAULT_NOTIFY_DEADLINE_MS;
    this.#endsAt = deadline instanceof Date ? deadline.getTime() : now + deadline;
    this.budgetMs = Math.max(0, this.#endsAt - now);
    this.signal = this.#controller.signal;
    this.#callerSignal = options.signal;
    this.#onCallerAbort = () => this.#controller.abort(this.#cancelled());
    this.#timer = setTimeout(
      () => this.#controller.abort(this.#timedOut()),
      Math.max(0, this.#endsAt - now),
    );
    if (options.signal?.aborted) this.#onCallerAbort();
    else options.signal?.addEventListener("abort", this.#onCallerAbort, { once: true });
  }

  /** Starts the budget of a `notify` call now. */
  static start(notifier: string, options: NotifyOptions = {}): NotificationDeadline {
    return new NotificationDeadline(notifier, options);
  }

  /** Milliseconds left (0 when the deadline has passed). */
  remainingMs(): number {
    return Math.max(0, this.#endsAt - Date.now());
  }

  /** Throws the timeout or cancellation error when the budget is spent or the caller cancelled. */
  throwIfEnded(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  /**
   * Waits `retryAfterSeconds` as a 429 asked, when the deadline allows it: otherwise throws
   * `NOTIFICATION_RATE_LIMITED` at once, rather than waiting to fail. Ends early with the
   * cancellation error when the caller cancels.
   */
  async waitForRetry(retryAfterSeconds: number): Promise<void> {
    const waitMs = Math.max(0, retryAfterSeconds * 1000);
    // Leave a little time for the retried request itself.
    if (waitMs + 50 >= this.remainingMs()) {
      throw new NotificationRateLimitedError({ notifier: this.notifier, retryAfterSeconds });
    }
    this.throwIfEnded();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener("abort", onAbort);
        resolve();
      }, waitMs);
      this.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * The error to throw for `error` raised while the budget ran: the timeout or cancellation error
   * when the budget's signal aborted (whatever the client threw then), a Tessera error as it is,
   * and `undefined` for anything else, which the caller translates.
   */
  failure(error: unknown): TesseraError | undefined {
    if (this.signal.aborted) return this.signal.reason as TesseraError;
    if (TesseraError.isInstance(error)) return error;
    return undefined;
  }

  /** Stops the timer and lets go of the caller's signal. Call it when `notify` ends. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }

  /**
   * Runs `work` within the budget: `work` gets the budget, the budget is disposed afterwards, and
   * an abort is turned into the timeout or cancellation error even if `work` ignored the signal.
   */
  static async run<T>(
    notifier: string,
    options: NotifyOptions | undefined,
    work: (deadline: NotificationDeadline) => Promise<T>,
  ): Promise<T> {
    const deadline = NotificationDeadline.start(notifier, options);
    if (deadline.signal.aborted) {
      deadline.dispose();
      throw deadline.signal.reason;
    }
    let onAbort: (() => void) | undefined;
    const ended = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(deadline.signal.reason);
      if (deadline.signal.aborted) onAbort();
      else deadline.signal.addEventListener("abort", onAbort, { once: true });
    });
    ended.catch(() => undefined);
    try {
      return await Promise.race([work(deadline), ended]);
    } catch (error) {
      throw deadline.failure(error) ?? error;
    } finally {
      if (onAbort) deadline.signal.removeEventListener("abort", onAbort);
      deadline.dispose();
    }
  }

  #cancelled(): NotificationCancelledError {
    return new NotificationCancelledError({ notifier: this.notifier });
  }

  #timedOut(): NotificationTimeoutError {
    return new NotificationTimeoutError({ notifier: this.notifier, deadlineMs: this.budgetMs });
  }
}
