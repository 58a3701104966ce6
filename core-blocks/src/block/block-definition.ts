import type { z } from "zod";
import type { JsonObject } from "../schema/index.js";
import type { DefiningPackage } from "../store/index.js";

/** The zod schema of a block type: an object schema (`z.object({ … })`). */
export type BlockSchema = z.ZodObject<z.core.$ZodLooseShape, z.core.$ZodObjectConfig>;

/** Plain stored fields as a migration sees them. */
export type MigrationData = Record<string, unknown>;

/**
 * One step of a block type's schema migrations: documents saved with a schema version in `from`
 * are rewritten by `up` to the shape of schema version `to` when they are loaded. Steps chain
 * (1.x → 2.0.0 → 3.0.0); the stored document itself is only rewritten when it is saved again.
 *
 * `up` receives the fields as loaded: plain values, secret fields as `SecretValue`s (move them,
 * do not reveal them) and nested blocks as instances or plain objects.
 */
export interface BlockMigration {
  /** The schema versions this step applies to, as a semver range (`1.x`, `>=1.2 <2`). */
  from: string;
  /** The schema version the step produces (exact semver). */
  to: string;
  /** Rewrites the fields. May be async. */
  up(data: MigrationData): MigrationData | Promise<MigrationData>;
}

/** What `defineBlock` takes. */
export interface BlockDefinition<S extends BlockSchema = BlockSchema> {
  /** Type slug, such as `s3-bucket` (lower-case letters, digits, single hyphens). */
  type: string;
  /** Human title, such as `S3 bucket`. @default the type slug */
  title?: string;
  /** What the block is for. @default "" */
  description?: string;
  /** Where the block type is documented. @default undefined */
  documentationUrl?: string;
  /** A logo for listings. @default undefined */
  logoUrl?: string;
  /** What the block can do: `read-path`, `write-path`, `secret-source`, `notify`, `query`, … @default [] */
  capabilities?: readonly string[];
  /**
   * Schema version (semver). Bump the major version when stored documents need a migration.
   * @default the defining package's version (see `setDefiningPackage`), else `1.0.0`
   */
  version?: string;
  /** The fields, as a zod object schema. Use `secret()` for secrets and `Other.field()` to nest. */
  schema: S;
  /** Migrations from older schema versions, applied on load. @default [] */
  migrations?: readonly BlockMigration[];
}

/** A block type's definition as kept on its class. */
export interface BlockTypeDefinition {
  /** Type slug. */
  type: string;
  /** Human title (the type slug when none was given). */
  title: string;
  /** What the block is for. */
  description: string;
  /** Where the type is documented. */
  documentationUrl: string | undefined;
  /** A logo for listings. */
  logoUrl: string | undefined;
  /** What the block can do. */
  capabilities: readonly string[];
  /** The `version` given to `defineBlock`, if any (see `versionOf`). */
  declaredVersion: string | undefined;
  /** The fields. */
  schema: BlockSchema;
  /** Migrations from older schema versions. */
  migrations: readonly BlockMigration[];
  /** Set by `setDefiningPackage`. */
  package: DefiningPackage | undefined;
  /** Computed lazily: JSON Schema, checksum, secret paths. */
  computed: { jsonSchema: JsonObject; checksum: string; secretFields: string[] } | undefined;
}
