import { type BlockMembers, loadBlock, type StoreOption } from "../block/index.js";
import { InvalidInputError, NotificationFailedError, TesseraError } from "../errors/index.js";
import {
  isNotifier,
  type Notifier,
  type NotifyMessage,
  type NotifyOptions,
  type NotifyResult,
} from "./notifier.js";

/** Options of `notifyAll`: each notification's deadline and signal, and where the blocks are saved. */
export interface NotifyAllOptions extends NotifyOptions, StoreOption {}

/** How one notifier of `notifyAll` fared. */
export type NotifyOutcome =
  | { slug: string; ok: true; result: NotifyResult }
  | { slug: string; ok: false; error: TesseraError };

/** The block saved as `slug`, when it has the `notify` capability. */
export async function loadNotifier(slug: string, options: StoreOption = {}): Promise<Notifier> {
  const block = await loadBlock<BlockMembers>(slug, options);
  const capabilities =
    (block.constructor as { capabilities?: readonly string[] }).capabilities ?? [];
  if (!capabilities.includes("notify") || !isNotifier(block)) {
    throw new InvalidInputError({
      subject: slug,
      message: `"${slug}" cannot send notifications: its block type lacks the notify capability. Name a notifier such as webhook/<name> or slack-webhook/<name>.`,
    });
  }
  return block;
}

/**
 * Sends `message` through every notifier in `slugs` at once and reports each outcome, in the
 * order given; it never rejects because one of them failed. A slug that names no saved block, or
 * a block that cannot notify, is a failed outcome with its coded error. Each notification has the
 * whole deadline.
 *
 * ```ts
 * const outcomes = await notifyAll(["slack-webhook/ops", "webhook/pager"], { subject, body });
 * for (const outcome of outcomes) if (!outcome.ok) console.error(outcome.slug, outcome.error.code);
 * ```
 */
export async function notifyAll(
  slugs: readonly string[],
  message: NotifyMessage,
  options: NotifyAllOptions = {},
): Promise<NotifyOutcome[]> {
  const { store, ...notifyOptions } = options;
  return Promise.all(
    slugs.map(async (slug): Promise<NotifyOutcome> => {
      try {
        const notifier = await loadNotifier(slug, store === undefined ? {} : { store });
        return { slug, ok: true, result: await notifier.notify(message, notifyOptions) };
      } catch (error) {
        if (TesseraError.isInstance(error)) return { slug, ok: false, error };
        return {
          slug,
          ok: false,
          error: new NotificationFailedError({
            notifier: slug,
            reason: `the notifier failed unexpectedly (${error instanceof Error ? error.name : typeof error})`,
          }),
        };
      }
    }),
  );
}
