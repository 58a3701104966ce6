import semver from "semver";
import { SchemaMismatchError } from "../errors/index.js";
import type { BlockTypeDefinition, MigrationData } from "./block-definition.js";
import { versionOf } from "./block-internals.js";

/** Most migration steps applied to one document (guards against a loop of steps). */
const MAX_STEPS = 100;

/**
 * Applies the definition's migrations to fields saved with `storedVersion`: repeatedly the first
 * step whose `from` range holds the current version and whose `to` is newer than it and not newer
 * than the installed version. Returns the fields and the version they are now in. A step that
 * throws is `SCHEMA_MISMATCH` naming the step (the stored document is untouched).
 */
export async function migrate(
  definition: BlockTypeDefinition,
  data: MigrationData,
  storedVersion: string,
  slug: string,
): Promise<{ data: MigrationData; version: string }> {
  const installed = versionOf(definition);
  let version = storedVersion;
  let fields = data;
  if (definition.migrations.length === 0 || version === installed || !semver.valid(version)) {
    return { data: fields, version };
  }
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = definition.migrations.find(
      (migration) =>
        semver.satisfies(version, migration.from, { includePrerelease: true }) &&
        semver.gt(migration.to, version) &&
        semver.lte(migration.to, installed),
    );
    if (!next) break;
    const failed = (problem: string, cause?: unknown) =>
      new SchemaMismatchError({
        slug,
        storedVersion,
        installedVersion: installed,
        problems: [{ path: "", message: `the migration from ${version} to ${next.to} ${problem}` }],
        ...(cause === undefined ? {} : { cause }),
      });
    try {
      fields = await next.up({ ...fields });
    } catch (error) {
      throw failed(`failed (${error instanceof Error ? error.message : String(error)})`, error);
    }
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      throw failed("did not return an object");
    }
    version = next.to;
  }
  return { data: fields, version };
}
