import { BlockNotFoundError, BlockReferencedError, SchemaMismatchError } from "../errors/index.js";
import { parseSecretReference, secretReferencesIn } from "../secrets/index.js";
import {
  type BlockStore,
  type DocumentSummary,
  getDefaultStore,
  localActor,
  type Page,
  type RevisionSummary,
  type RevisionWriteOptions,
} from "../store/index.js";
import type {
  ChangeBlockOptions,
  DeleteBlockOptions,
  ListBlocksOptions,
  RenameBlockOptions,
  StoreOption,
  UpgradeBlockOptions,
} from "./block.js";
import {
  type BlockClassInternal,
  definitionOf,
  droppedFieldsOf,
  versionOf,
} from "./block-internals.js";
import { computedOf } from "./block-json-schema.js";
import { checkCallOptions } from "./call-options.js";
import { instantiate, loadBlockOfClass, notFound } from "./load-block.js";
import { checkNumericOption } from "./numeric-options.js";
import { saveBlock } from "./save-block.js";
import { assertSlugPart, formatSlug } from "./slug.js";

function storeOf(options: StoreOption): Promise<BlockStore> {
  return options.store ? Promise.resolve(options.store) : getDefaultStore();
}

/** Runs a store call on `type/name`; a missing document becomes `BLOCK_NOT_FOUND` with close matches. */
async function onDocument<T>(
  store: BlockStore,
  type: string,
  name: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (BlockNotFoundError.isInstance(error) && error.revision === undefined) {
      throw await notFound(store, type, name, undefined);
    }
    throw error;
  }
}

/** Deletes a saved block of a class; false when nothing was saved under the name. */
export async function deleteBlock(
  BlockClass: BlockClassInternal,
  name: string,
  options: DeleteBlockOptions = {},
): Promise<boolean> {
  const { type } = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  checkCallOptions("delete", options);
  const store = await storeOf(options);
  return store.delete({ type, name }, options.force ? { force: true } : {});
}

/** Saved blocks of a class's type, a page at a time. */
export async function listBlocks(
  BlockClass: BlockClassInternal,
  options: ListBlocksOptions = {},
): Promise<Page<DocumentSummary>> {
  const { type } = definitionOf(BlockClass)!;
  checkCallOptions("list", options);
  const store = await storeOf(options);
  return store.list({
    type,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
  });
}

/** Kept revisions of a saved block, newest first. `BLOCK_NOT_FOUND` when nothing is saved. */
export async function blockHistory(
  BlockClass: BlockClassInternal,
  name: string,
  options: StoreOption = {},
): Promise<RevisionSummary[]> {
  const { type } = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  checkCallOptions("history", options);
  const store = await storeOf(options);
  const history = await onDocument(store, type, name, () => store.history({ type, name }));
  if (history.length === 0) throw await notFound(store, type, name, undefined);
  return history;
}

/** The store options of a rollback or rename: the caller's compare-and-swap and the local actor. */
function writeOptions(options: ChangeBlockOptions): RevisionWriteOptions {
  const written: RevisionWriteOptions = {};
  if (options.expectedRevision !== undefined) written.expectedRevision = options.expectedRevision;
  const actor = localActor();
  if (actor !== undefined) written.actor = actor;
  return written;
}

/** Writes an old revision as the newest and returns the block as now stored. */
export async function rollbackBlock(
  BlockClass: BlockClassInternal,
  name: string,
  revision: number,
  options: ChangeBlockOptions = {},
): Promise<object> {
  const { type } = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  checkNumericOption("revision", revision);
  checkCallOptions("rollback", options);
  const store = await storeOf(options);
  const stored = await onDocument(store, type, name, () =>
    store.rollback({ type, name }, revision, writeOptions(options)),
  );
  return instantiate(store, BlockClass, stored);
}

/** Moves a saved block to a new name (same id and history) and returns it as now stored. */
export async function renameBlock(
  BlockClass: BlockClassInternal,
  name: string,
  newName: string,
  options: RenameBlockOptions = {},
): Promise<object> {
  const { type } = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  assertSlugPart(newName, "name");
  checkCallOptions("rename", options);
  const store = await storeOf(options);
  const current = await store.get({ type, name });
  if (current) await checkRenameKeepsReferences(store, current, options.force);
  const stored = await onDocument(store, type, name, () =>
    store.rename({ type, name }, newName, writeOptions(options)),
  );
  return instantiate(store, BlockClass, stored);
}

/**
 * Refuses to rename a document that other documents' secret references name by slug
 * (`{ "$reference": "secret/db" }`): unlike nested blocks, which are linked by id and follow a
 * rename, those references would stop resolving. `BLOCK_REFERENCED` names the referrers, unless
 * `force`.
 */
export async function checkRenameKeepsReferences(
  store: BlockStore,
  target: { id: string; type: string; name: string },
  force = false,
): Promise<void> {
  if (force) return;
  const slug = formatSlug(target.type, target.name);
  const naming: string[] = [];
  for (const referrer of await store.referrers(target.id)) {
    const stored = await store.get({ id: referrer.id });
    if (!stored) continue;
    const bySlug = secretReferencesIn(stored.data).some(({ reference }) => {
      const parsed = parseSecretReference(reference);
      return parsed.kind === "block" && parsed.type === target.type && parsed.name === target.name;
    });
    if (bySlug) naming.push(formatSlug(stored.type, stored.name));
  }
  if (naming.length === 0) return;
  throw new BlockReferencedError({
    slug,
    referrers: naming,
    action: "rename",
    advice: `Their secret references name it as "${slug}" and would stop resolving. Rename with force and then point those references at the new name, or leave it where it is.`,
  });
}

/** Loads a block (migrating it) and saves it back when its schema version or checksum is old. */
export async function upgradeBlock(
  BlockClass: BlockClassInternal,
  name: string,
  options: UpgradeBlockOptions = {},
): Promise<object> {
  const definition = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  checkCallOptions("upgrade", options);
  const store = await storeOf(options);
  const stored = await store.get({ type: definition.type, name });
  const block = await loadBlockOfClass(BlockClass, name, { store });
  const dropped = droppedFieldsOf(block);
  if (dropped.length > 0 && options.dropUnknownFields !== true && stored) {
    throw new SchemaMismatchError({
      slug: formatSlug(definition.type, name),
      storedVersion: stored.schemaVersion,
      installedVersion: versionOf(definition),
      problems: dropped.map((field) => ({
        path: field,
        message: `is stored but the schema has no such field; add a migration that moves or removes it, or upgrade with { dropUnknownFields: true } to drop it (the stored document is unchanged)`,
      })),
    });
  }
  if (
    dropped.length === 0 &&
    stored &&
    stored.schemaVersion === versionOf(definition) &&
    stored.schemaChecksum === computedOf(definition).checksum
  ) {
    return block;
  }
  await saveBlock(block, name, {
    store,
    expectedRevision: (block as { revision?: number }).revision ?? 0,
  });
  return block;
}
