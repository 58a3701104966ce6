import { checkRenameKeepsReferences } from "../../block/document-operations.js";
import { formatSlug } from "../../block/slug.js";
import { localActor, type RevisionWriteOptions } from "../../store/index.js";
import type { CliContext } from "../context.js";
import {
  checkSlugPart,
  documentJson,
  parseSlug,
  presentData,
  requireDocument,
  shortTime,
} from "../stored-documents.js";

/** A rollback's or rename's options: compare-and-swap on `revision`, written as the local actor. */
function writeOptions(revision: number): RevisionWriteOptions {
  const actor = localActor();
  return actor === undefined
    ? { expectedRevision: revision }
    : { expectedRevision: revision, actor };
}

/** `tessera block history <slug>`. */
export async function historyCommand(
  context: CliContext,
  slug: string,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  await requireDocument(store, slug);
  const revisions = await store.history(await parseSlug(slug));
  const { output } = context;
  if (options.json) {
    output.json(
      revisions.map((revision) => ({
        revision: revision.revision,
        operation: revision.operation,
        restoredFrom: revision.restoredFrom ?? null,
        schemaVersion: revision.schemaVersion,
        schemaChecksum: revision.schemaChecksum,
        updatedAt: revision.updatedAt,
        actor: revision.actor ?? null,
      })),
    );
    return;
  }
  output.table(
    ["REVISION", "OPERATION", "SCHEMA", "SAVED", "ACTOR"],
    revisions.map((revision) => [
      String(revision.revision),
      revision.operation === "rollback" && revision.restoredFrom !== undefined
        ? `rollback to ${revision.restoredFrom}`
        : revision.operation,
      revision.schemaVersion,
      shortTime(revision.updatedAt),
      revision.actor ?? "-",
    ]),
  );
}

/** `tessera block rollback <slug> <revision>`: compare-and-swap against the revision just read. */
export async function rollbackCommand(
  context: CliContext,
  slug: string,
  revision: number,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const current = await requireDocument(store, slug);
  await requireDocument(store, slug, revision);
  const saved = await store.rollback(
    await parseSlug(slug),
    revision,
    writeOptions(current.revision),
  );
  const { output } = context;
  if (options.json) {
    output.json({ slug, revision: saved.revision, restoredFrom: revision });
    return;
  }
  output.line(
    `Rolled ${output.colors.cyan(slug)} back to revision ${revision}: saved as revision ${saved.revision}.`,
  );
}

/** `tessera block rename <slug> <new-name>`: compare-and-swap against the revision just read. */
export async function renameCommand(
  context: CliContext,
  slug: string,
  newName: string,
  options: { json?: boolean; force?: boolean },
): Promise<void> {
  await checkSlugPart(newName, "name");
  const store = await context.store();
  const current = await requireDocument(store, slug);
  await checkRenameKeepsReferences(store, current, options.force);
  const moved = await store.rename(await parseSlug(slug), newName, writeOptions(current.revision));
  const { output } = context;
  if (options.json) {
    output.json(documentJson(moved, await presentData(store, moved.data)));
    return;
  }
  output.line(
    `Renamed ${output.colors.cyan(slug)} to ${output.colors.cyan(formatSlug(moved.type, moved.name))} (revision ${moved.revision}); blocks that reference it still do.`,
  );
}
