import type { CliContext } from "../context.js";
import { parseSlug, requireDocument } from "../stored-documents.js";

/** `tessera block delete <slug> [--force]`. */
export async function deleteBlockCommand(
  context: CliContext,
  slug: string,
  options: { force?: boolean },
): Promise<void> {
  const store = await context.store();
  await requireDocument(store, slug);
  await store.delete(parseSlug(slug), { force: options.force === true });
  context.output.line(`Deleted ${context.output.colors.cyan(slug)} and its history.`);
}
