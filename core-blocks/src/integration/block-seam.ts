/**
 * The few things the integration layer needs from the block layer, in one place.
 */
import semver from "semver";
import {
  type AnyBlockClass,
  Block,
  blockTypeRecordOf,
  registerBlockType,
  setDefiningPackage,
} from "../block/index.js";
import { nestedBlockClasses } from "../block/registry.js";
import { DuplicateCoreError } from "../errors/index.js";
import { blockDefinitionKey } from "../protocol/index.js";
import type { BlockStore, DefiningPackage } from "../store/index.js";
import { otherCores, thisCore } from "./core-copies.js";

/** A block class as the integration layer sees it. */
export type IntegrationBlockClass = AnyBlockClass & {
  /** The block type slug. */
  readonly type: string;
};

/** True for a block class made with `defineBlock`, by this copy of core or another one. */
export function isBlockClass(value: unknown): value is IntegrationBlockClass {
  return (
    typeof value === "function" &&
    (value as unknown as Record<symbol, unknown>)[blockDefinitionKey] !== undefined &&
    typeof (value as { type?: unknown }).type === "string"
  );
}

/**
 * Tags a block class with the package that defines it (when there is one) and registers it in
 * this process, so `loadBlock` finds it. Throws `DUPLICATE_CORE` for a class made by another copy
 * of core: its saves and loads would run through that copy's registry.
 */
export function adoptBlockClass(
  blockClass: IntegrationBlockClass,
  definingPackage: DefiningPackage | undefined,
): void {
  if (!(blockClass.prototype instanceof Block)) {
    const subject = `Block type "${blockClass.type}"${definingPackage ? ` of ${definingPackage.name}@${definingPackage.version}` : ""}`;
    const other = otherCores()[0] ?? { version: "unknown", location: "another folder" };
    throw new DuplicateCoreError({ subject, current: thisCore, other });
  }
  if (definingPackage !== undefined) setDefiningPackage(blockClass, definingPackage);
  registerBlockType(blockClass);
}

/**
 * The given block classes followed by the classes nested in their fields (at any depth) that are
 * not among them, each once.
 */
export function withNestedClasses(
  blockClasses: readonly IntegrationBlockClass[],
): IntegrationBlockClass[] {
  const all = [...new Set(blockClasses)];
  for (const blockClass of [...all]) {
    for (const nested of nestedBlockClasses(blockClass) as unknown as IntegrationBlockClass[]) {
      if (!all.includes(nested)) all.push(nested);
    }
  }
  return all;
}

/**
 * Records block types in the store with their defining package (set by `adoptBlockClass`), and
 * the types nested in them. A record written by a newer version (of the schema, or of the same
 * package) is kept, so that a process with an older integration does not downgrade what the
 * store tells others to install.
 */
export async function recordBlockTypes(
  blockClasses: readonly IntegrationBlockClass[],
  store: BlockStore,
): Promise<void> {
  for (const blockClass of withNestedClasses(blockClasses)) {
    const record = blockTypeRecordOf(blockClass);
    const existing = await store.getBlockType(record.type);
    if (existing !== undefined && isNewer(existing, record)) continue;
    await store.putBlockType(record);
  }
}

function isNewer(
  existing: { schemaVersion: string; package?: DefiningPackage },
  candidate: { schemaVersion: string; package?: DefiningPackage },
): boolean {
  if (
    semver.valid(existing.schemaVersion) &&
    semver.valid(candidate.schemaVersion) &&
    semver.gt(existing.schemaVersion, candidate.schemaVersion)
  ) {
    return true;
  }
  return (
    existing.package !== undefined &&
    candidate.package !== undefined &&
    existing.package.name === candidate.package.name &&
    semver.valid(existing.package.version) !== null &&
    semver.valid(candidate.package.version) !== null &&
    semver.gt(existing.package.version, candidate.package.version)
  );
}
