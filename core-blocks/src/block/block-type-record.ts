import semver from "semver";
import { InvalidInputError } from "../errors/index.js";
import type { BlockStore, BlockTypeRecord, DefiningPackage } from "../store/index.js";
import type { BlockTypeDefinition } from "./block-definition.js";
import { definitionOf, versionOf } from "./block-internals.js";
import { computedOf } from "./block-json-schema.js";

/** What this process last recorded per store and type (checksum, version, package). */
const recorded = new WeakMap<BlockStore, Map<string, string>>();

/** Definitions already checked per store, with the defining package they were checked with. */
const checked = new WeakMap<
  BlockStore,
  WeakMap<BlockTypeDefinition, DefiningPackage | undefined>
>();

/** The store record of a block class's type. */
export function blockTypeRecordOf(BlockClass: unknown): BlockTypeRecord {
  const definition = definitionOf(BlockClass);
  if (!definition)
    throw new InvalidInputError({
      subject: "blockClass",
      message: "Expected a class made with defineBlock.",
    });
  const computed = computedOf(definition);
  return {
    type: definition.type,
    title: definition.title,
    description: definition.description,
    ...(definition.documentationUrl ? { documentationUrl: definition.documentationUrl } : {}),
    ...(definition.logoUrl ? { logoUrl: definition.logoUrl } : {}),
    capabilities: [...definition.capabilities],
    schemaVersion: versionOf(definition),
    checksum: computed.checksum,
    jsonSchema: computed.jsonSchema,
    secretFields: [...computed.secretFields],
    ...(definition.package ? { package: { ...definition.package } } : {}),
    registeredAt: new Date().toISOString(),
  };
}

/**
 * Records a block type in the store when it is missing or differs (checksum, version, package,
 * title). A record written by a newer schema version is left in place, so an older process does
 * not downgrade it. Cached per store per process.
 */
export async function recordBlockType(store: BlockStore, BlockClass: unknown): Promise<void> {
  const definition = definitionOf(BlockClass);
  const known = checked.get(store);
  // The common case: this definition, with this package, was already checked for this store.
  if (definition && known?.has(definition) && known.get(definition) === definition.package) return;
  const record = blockTypeRecordOf(BlockClass);
  const fingerprint = JSON.stringify([
    record.checksum,
    record.schemaVersion,
    record.package ?? null,
    record.title,
    record.description,
    record.capabilities,
  ]);
  let seen = recorded.get(store);
  if (!seen) {
    seen = new Map();
    recorded.set(store, seen);
  }
  if (seen.get(record.type) === fingerprint) return;
  const existing = await store.getBlockType(record.type);
  const existingFingerprint = existing
    ? JSON.stringify([
        existing.checksum,
        existing.schemaVersion,
        existing.package ?? null,
        existing.title,
        existing.description,
        existing.capabilities,
      ])
    : undefined;
  const newerRecorded =
    existing !== undefined &&
    semver.valid(existing.schemaVersion) !== null &&
    semver.gt(existing.schemaVersion, record.schemaVersion);
  if (existingFingerprint !== fingerprint && !newerRecorded) await store.putBlockType(record);
  seen.set(record.type, fingerprint);
  if (definition) {
    let definitions = checked.get(store);
    if (!definitions) {
      definitions = new WeakMap();
      checked.set(store, definitions);
    }
    definitions.set(definition, definition.package);
  }
}
