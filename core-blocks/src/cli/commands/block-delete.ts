import { BlockReferencedError } from "../../errors/index.js";
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
  try {
    await store.delete(await parseSlug(slug), { force: options.force === true });
  } catch (error) {
    if (!BlockReferencedError.isInstance(error)) throw error;
    throw new BlockReferencedError({
      slug,
      referrers: error.referrers,
      advice:
        "Point them at another block first (tessera block edit <slug> --link <field>=<type>/<name>), or delete anyway with --force (they will fail to load).",
    });
  }
  context.output.line(`Deleted ${context.output.colors.cyan(slug)} and its history.`);
}
