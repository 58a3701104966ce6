import { formatSlug } from "../../block/slug.js";
import type { CliContext } from "../context.js";
import { checkSlugPart, listAllDocuments, shortTime } from "../stored-documents.js";

/** `tessera block ls [--type <type>]`: reads summaries only, never field values. */
export async function listBlocksCommand(
  context: CliContext,
  options: { type?: string; json?: boolean },
): Promise<void> {
  if (options.type !== undefined) await checkSlugPart(options.type, "type slug");
  const store = await context.store();
  const documents = await listAllDocuments(store, options.type);
  const { output } = context;
  if (options.json) {
    output.json(
      documents.map((document) => ({
        slug: formatSlug(document.type, document.name),
        id: document.id,
        type: document.type,
        name: document.name,
        revision: document.revision,
        schemaVersion: document.schemaVersion,
        createdAt: document.createdAt,
        updatedAt: document.updatedAt,
      })),
    );
    return;
  }
  if (documents.length === 0) {
    output.line(
      options.type
        ? `No blocks of type ${options.type} are saved.`
        : "No blocks are saved yet. Create one with `tessera block create <type> <name>`.",
    );
    return;
  }
  output.table(
    ["SLUG", "TYPE", "REVISION", "SCHEMA", "UPDATED"],
    documents.map((document) => [
      output.colors.cyan(formatSlug(document.type, document.name)),
      document.type,
      String(document.revision),
      document.schemaVersion,
      shortTime(document.updatedAt),
    ]),
  );
}
