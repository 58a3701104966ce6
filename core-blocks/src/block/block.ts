import { inspect } from "node:util";
import semver from "semver";
import type { z } from "zod";
import {
  InvalidBlockDefinitionError,
  InvalidInputError,
  ValidationFailedError,
} from "../errors/index.js";
import { blockDefinitionKey, blockMarkerKey } from "../protocol/index.js";
import { type JsonObject, secretDefaultPaths } from "../schema/index.js";
import type {
  BlockStore,
  DefiningPackage,
  DocumentSummary,
  Page,
  RevisionSummary,
} from "../store/index.js";
import type { BlockDefinition, BlockSchema, BlockTypeDefinition } from "./block-definition.js";
import {
  type BlockClassInternal,
  type BlockIdentity,
  definitionOf,
  identityOf,
  installBlockSlots,
  takeTrustedFields,
  versionOf,
} from "./block-internals.js";
import { computedOf } from "./block-json-schema.js";
import {
  blockHistory,
  deleteBlock,
  listBlocks,
  renameBlock,
  rollbackBlock,
  upgradeBlock,
} from "./document-operations.js";
import { fieldsAsJson } from "./fields-as-json.js";
import { roundTripProblems } from "./json-round-trip.js";
import { loadBlockOfClass } from "./load-block.js";
import { nestedFieldClass, nestedFieldSchema } from "./nested-field.js";
import { registerBlockType } from "./registry.js";
import { saveBlock } from "./save-block.js";
import { assertSlugPart, formatSlug } from "./slug.js";
import { unknownFieldProblems, validate, valueShapeProblem } from "./validation.js";
import { type BlockWatch, watchBlock } from "./watch-block.js";

/** Which store a call uses. */
export interface StoreOption {
  /** @default the default store (`getDefaultStore()`: `$TESSERA_HOME/tessera.db` unless configured) */
  store?: BlockStore;
}

/** Options of `block.save(name, options)`. */
export interface SaveBlockOptions extends StoreOption {
  /**
   * Replace a document already saved under the name (a new revision).
   * @default false
   */
  overwrite?: boolean;
  /**
   * Compare-and-swap: save only if the stored revision is this one (`0`: only if the name is
   * free). Implies overwrite. The loser gets `REVISION_CONFLICT`.
   * @default undefined (no check)
   */
  expectedRevision?: number;
}

/** Options of `load`. */
export interface LoadBlockOptions extends StoreOption {
  /** Load this revision instead of the newest. @default undefined (the newest) */
  revision?: number;
}

/** Options of `delete`. */
export interface DeleteBlockOptions extends StoreOption {
  /**
   * Delete even when other documents reference it (they will fail to load until re-pointed).
   * @default false
   */
  force?: boolean;
}

/** Options of `list`. */
export interface ListBlocksOptions extends StoreOption {
  /** Page size, 1–1000. @default 100 */
  limit?: number;
  /** `nextCursor` of the previous page. @default undefined (the first page) */
  cursor?: string;
}

/** Options of `rollback` and `rename`. */
export interface ChangeBlockOptions extends StoreOption {
  /** Compare-and-swap on the current revision. @default undefined (no check) */
  expectedRevision?: number;
}

/** Options of `rename`. */
export interface RenameBlockOptions extends ChangeBlockOptions {
  /**
   * Rename even when other blocks' secret references name this one by slug (they stop resolving
   * until pointed at the new name). @default false
   */
  force?: boolean;
}

/** Options of `upgrade`. */
export interface UpgradeBlockOptions extends StoreOption {
  /**
   * Drop stored fields that the schema no longer has (and no migration moved). Without it such
   * fields are a `SCHEMA_MISMATCH` naming them, and nothing is written.
   * @default false
   */
  dropUnknownFields?: boolean;
}

/** Instance members every block has besides its fields. */
export interface BlockMembers {
  /** `type/name` once saved or loaded, else `undefined`. */
  readonly slug: string | undefined;
  /** The document name once saved or loaded, else `undefined`. */
  readonly name: string | undefined;
  /** The revision this instance was saved as or loaded from, else `undefined`. */
  readonly revision: number | undefined;
  /** The stored document's immutable id once saved or loaded, else `undefined`. */
  readonly documentId: string | undefined;
  /**
   * Saves the whole block under `name` (a new revision when it exists and `overwrite` or
   * `expectedRevision` is given). Validates first: every schema field, including those assigned
   * after construction. Sets `slug`, `name`, `revision`, `documentId`.
   *
   * Without a name, a block that was loaded or saved is saved in place: under its `name`, as a
   * compare-and-swap on the `revision` it holds (`REVISION_CONFLICT` when another writer saved
   * in between); `options.expectedRevision` overrides the revision checked. An unsaved block needs
   * a name (`INVALID_INPUT`).
   */
  save(name?: string, options?: SaveBlockOptions): Promise<this>;
  /** The fields as JSON, secrets masked (`********`), nested blocks as their fields. */
  toJSON(): JsonObject;
}

/** Any block class (for `this` typing of statics and generic helpers). */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters are contravariant; any accepts every block class
export type AnyBlockClass = abstract new (...args: any[]) => BlockMembers;

/** Statics every block class has. */
export interface BlockStatics<S extends BlockSchema> {
  /** Type slug, such as `s3-bucket`. */
  readonly type: string;
  /** Human title. */
  readonly title: string;
  /** What the block is for. */
  readonly description: string;
  /** Where the type is documented. */
  readonly documentationUrl: string | undefined;
  /** A logo for listings. */
  readonly logoUrl: string | undefined;
  /** What the block can do (`read-path`, `write-path`, `secret-source`, …). */
  readonly capabilities: readonly string[];
  /** Schema version (semver): declared, else the defining package's version, else `1.0.0`. */
  readonly version: string;
  /** The zod schema of the fields. */
  readonly schema: S;
  /** JSON Schema (draft 2020-12) of the input, secret fields `writeOnly` + `format: "password"`. */
  readonly jsonSchema: JsonObject;
  /** `sha256:<hex>` of the schema's structure (see the README: checksum rules). */
  readonly checksum: string;
  /** Dotted paths of the secret fields, nested blocks included (`credentials.secretAccessKey`). */
  readonly secretFields: readonly string[];
  /** The package that defines the type, when set with `setDefiningPackage`. */
  readonly definingPackage: DefiningPackage | undefined;

  /** Loads a saved block by name (newest revision, or `revision`). `BLOCK_NOT_FOUND` lists close matches. */
  load<C extends AnyBlockClass>(
    this: C,
    name: string,
    options?: LoadBlockOptions,
  ): Promise<InstanceType<C>>;
  /** Deletes a saved block and its history. Returns false when nothing was saved under the name. */
  delete(name: string, options?: DeleteBlockOptions): Promise<boolean>;
  /** Saved blocks of this type, ordered by name, a page at a time. */
  list(options?: ListBlocksOptions): Promise<Page<DocumentSummary>>;
  /** Kept revisions of a saved block, newest first. */
  history(name: string, options?: StoreOption): Promise<RevisionSummary[]>;
  /** Writes an older revision's content as the newest revision; returns the block as now stored. */
  rollback<C extends AnyBlockClass>(
    this: C,
    name: string,
    revision: number,
    options?: ChangeBlockOptions,
  ): Promise<InstanceType<C>>;
  /**
   * Moves a saved block to a new name, keeping its id and history: blocks that nest it keep
   * working. Refused with `BLOCK_REFERENCED` while secret references name it by slug, unless
   * `force`.
   */
  rename<C extends AnyBlockClass>(
    this: C,
    name: string,
    newName: string,
    options?: RenameBlockOptions,
  ): Promise<InstanceType<C>>;
  /**
   * Rewrites a saved block in the current schema: loads it (applying migrations) and, when it was
   * saved with another schema version or checksum, saves it back as a new revision with
   * compare-and-swap. Returns the block as now stored. A stored field that the schema no longer
   * has is a `SCHEMA_MISMATCH` naming it unless `dropUnknownFields` is set.
   */
  upgrade<C extends AnyBlockClass>(
    this: C,
    name: string,
    options?: UpgradeBlockOptions,
  ): Promise<InstanceType<C>>;
  /**
   * Watches a saved block: resolves once listening, then yields the block, loaded anew, after
   * every committed save, rollback or rename to this name (from any process sharing the store),
   * until it is deleted or `close()` is called. Needs a store with the `watch` capability
   * (PostgreSQL, memory).
   */
  watch<C extends AnyBlockClass>(
    this: C,
    name: string,
    options?: StoreOption,
  ): Promise<BlockWatch<InstanceType<C>>>;
  /**
   * A schema for a field of another block that holds a block of this type. Accepts an instance
   * or plain fields. Chain `.optional()`, or `.prefault({})` for a default built from the fields.
   */
  field<C extends AnyBlockClass>(this: C): z.ZodType<InstanceType<C>, InstanceType<C> | z.input<S>>;
}

/** What a block's constructor takes: the input of its schema (optional when every field is). */
export type BlockConstructorArguments<S extends BlockSchema> =
  {} extends z.input<S> ? [input?: z.input<S>] : [input: z.input<S>];

/** The class `defineBlock` returns: extend it to add methods. */
export interface BlockClass<S extends BlockSchema> extends BlockStatics<S> {
  new (...args: BlockConstructorArguments<S>): BlockMembers & z.output<S>;
}

/** Instance type of a block class. */
export type BlockInstance<C extends AnyBlockClass> = InstanceType<C>;

/** Names a block field cannot have: they are the block's own members. */
const RESERVED_FIELD_NAMES = [
  "save",
  "toJSON",
  "slug",
  "name",
  "revision",
  "documentId",
  "constructor",
] as const;

/** Names a block field cannot have, as a type. */
export type ReservedFieldName = (typeof RESERVED_FIELD_NAMES)[number];

const RESERVED_FIELDS = new Set<string>(RESERVED_FIELD_NAMES);

/**
 * Makes a schema with a field named like a block member (`name`, `revision`, `save`, …) a type
 * error at the `defineBlock` call, naming the field, rather than only an error at run time.
 */
export type WithoutReservedFields<S extends BlockSchema> =
  Extract<keyof S["shape"], ReservedFieldName> extends never
    ? unknown
    : {
        schema: {
          "a field clashes with a block member; rename it": Extract<
            keyof S["shape"],
            ReservedFieldName
          >;
        };
      };

/**
 * Base of every block class. Use `defineBlock`, not this class directly. Statics are documented on
 * `BlockStatics`.
 */
export abstract class Block implements BlockMembers {
  /** Which stored document this is, once saved or loaded. */
  #identity: BlockIdentity | undefined;

  static {
    installBlockSlots({
      identity: (block) => (#identity in block ? block.#identity : undefined),
      setIdentity: (block, identity) => {
        if (!(#identity in block)) return false;
        block.#identity = identity;
        return true;
      },
    });
  }

  constructor(input?: unknown) {
    const BlockClass = new.target as unknown as typeof Block;
    const definition = definitionOf(BlockClass);
    if (!definition)
      throw new InvalidInputError({
        subject: "Block",
        message: "Extend a class made with defineBlock, not Block itself.",
      });
    registerBlockType(BlockClass as unknown as AnyBlockClass);
    let fields = takeTrustedFields();
    if (!fields) {
      // Checked on construction and save only: a stored document is read as it was written.
      const shapeProblem = valueShapeProblem(input);
      if (shapeProblem)
        throw new ValidationFailedError({ subject: definition.type, problems: [shapeProblem] });
      const unknown = unknownFieldProblems(definition.schema, input);
      if (unknown.length > 0)
        throw new ValidationFailedError({ subject: definition.type, problems: unknown });
      const result = validate(definition.schema, input ?? {});
      if (!result.ok)
        throw new ValidationFailedError({ subject: definition.type, problems: result.problems });
      fields = result.data;
    }
    Object.assign(this, fields);
  }

  get [blockMarkerKey](): true {
    return true;
  }

  get slug(): string | undefined {
    const identity = identityOf(this);
    return identity ? formatSlug(definitionOf(this.constructor)!.type, identity.name) : undefined;
  }

  get name(): string | undefined {
    return identityOf(this)?.name;
  }

  get revision(): number | undefined {
    return identityOf(this)?.revision;
  }

  get documentId(): string | undefined {
    return identityOf(this)?.documentId;
  }

  save(name?: string, options?: SaveBlockOptions): Promise<this> {
    return saveBlock(this, name, options).then(() => this);
  }

  toJSON(): JsonObject {
    return fieldsAsJson(this, definitionOf(this.constructor)!);
  }

  [inspect.custom](): string {
    const type = definitionOf(this.constructor)?.type ?? "block";
    return `${this.constructor.name || "Block"}(${this.slug ?? type}) ${inspect(this.toJSON(), { depth: 6 })}`;
  }
}

/**
 * Defines a block type and returns its class; extend it to add methods:
 *
 * ```ts
 * class AwsCredentials extends defineBlock({
 *   type: "aws-credentials",
 *   title: "AWS credentials",
 *   schema: z.object({ accessKeyId: z.string().optional(), secretAccessKey: secret().optional() }),
 * }) {
 *   describe() { return this.accessKeyId ?? "default chain"; }
 * }
 * ```
 *
 * The class is registered for its type (the most-derived subclass wins once it is used).
 */
export function defineBlock<const S extends BlockSchema>(
  definition: BlockDefinition<S> & WithoutReservedFields<S>,
): BlockClass<S> {
  const type = definition.type;
  try {
    assertSlugPart(type, "type slug");
  } catch (error) {
    throw new InvalidBlockDefinitionError({
      type: String(type),
      problem: (error as Error).message,
    });
  }
  if (definition.version !== undefined && !semver.valid(definition.version)) {
    throw new InvalidBlockDefinitionError({
      type,
      problem: `version "${definition.version}" is not a semver version; use a version such as "1.0.0".`,
    });
  }
  const shape = (definition.schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || typeof shape !== "object") {
    throw new InvalidBlockDefinitionError({
      type,
      problem: "schema must be a zod object (z.object({ … })).",
    });
  }
  for (const field of Object.keys(shape)) {
    if (RESERVED_FIELDS.has(field)) {
      throw new InvalidBlockDefinitionError({
        type,
        problem: `field "${field}" clashes with a block member (${[...RESERVED_FIELDS].join(", ")}); rename the field.`,
      });
    }
  }
  const lossy = roundTripProblems(definition.schema);
  if (lossy.length > 0) {
    throw new InvalidBlockDefinitionError({
      type,
      problem: `${lossy.length === 1 ? "a field" : "fields"} cannot be saved and read back as JSON: ${lossy.map((problem) => `"${problem.path}" ${problem.message}`).join("; ")}.`,
    });
  }
  const secretDefaults = secretDefaultPaths(definition.schema, (schema) => {
    const NestedClass = nestedFieldClass(schema);
    return NestedClass ? definitionOf(NestedClass)?.schema : undefined;
  });
  if (secretDefaults.length > 0) {
    throw new InvalidBlockDefinitionError({
      type,
      problem: `secret field${secretDefaults.length === 1 ? "" : "s"} ${secretDefaults.map((path) => `"${path}"`).join(", ")} ha${secretDefaults.length === 1 ? "s" : "ve"} a default value, which would sit in clear in the JSON Schema stored with the type. Remove the default (make the field optional if it may be left out) and give the secret when a block is saved.`,
    });
  }
  for (const migration of definition.migrations ?? []) {
    if (!semver.validRange(migration.from) || !semver.valid(migration.to)) {
      throw new InvalidBlockDefinitionError({
        type,
        problem: `migration { from: "${migration.from}", to: "${migration.to}" } needs a semver range in "from" and a version in "to".`,
      });
    }
  }
  const record: BlockTypeDefinition = {
    type,
    title: definition.title ?? type,
    description: definition.description ?? "",
    documentationUrl: definition.documentationUrl,
    logoUrl: definition.logoUrl,
    capabilities: Object.freeze([...(definition.capabilities ?? [])]),
    declaredVersion: definition.version,
    schema: definition.schema,
    migrations: Object.freeze([...(definition.migrations ?? [])]),
    package: undefined,
    computed: undefined,
  };
  const Defined = class extends Block {};
  Object.defineProperty(Defined, blockDefinitionKey, { value: record });
  Object.defineProperty(Defined, "name", { value: pascalCase(type) });
  registerBlockType(Defined as unknown as AnyBlockClass);
  return Defined as unknown as BlockClass<S>;
}

function pascalCase(type: string): string {
  return type
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Records which package defines a block class (integration packages call this for each type
 * they export). When the class declares no `version`, its schema version becomes the package
 * version. The package is stored on every revision saved and in the store's block type record.
 */
export function setDefiningPackage(
  BlockClass: AnyBlockClass,
  definingPackage: DefiningPackage,
): void {
  const definition = definitionOf(BlockClass);
  if (!definition)
    throw new InvalidInputError({
      subject: "setDefiningPackage",
      message: "setDefiningPackage takes a class made with defineBlock.",
    });
  definition.package = { ...definingPackage };
}

/** True for a block instance, even one made by another copy of core. */
export function isBlock(value: unknown): value is BlockMembers {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[blockMarkerKey] === true
  );
}

// Statics live on Block and read the definition from `this`, so subclasses inherit them.
Object.defineProperties(Block, {
  type: {
    get(this: typeof Block) {
      return def(this).type;
    },
  },
  title: {
    get(this: typeof Block) {
      return def(this).title;
    },
  },
  description: {
    get(this: typeof Block) {
      return def(this).description;
    },
  },
  documentationUrl: {
    get(this: typeof Block) {
      return def(this).documentationUrl;
    },
  },
  logoUrl: {
    get(this: typeof Block) {
      return def(this).logoUrl;
    },
  },
  capabilities: {
    get(this: typeof Block) {
      return def(this).capabilities;
    },
  },
  version: {
    get(this: typeof Block) {
      return versionOf(def(this));
    },
  },
  schema: {
    get(this: typeof Block) {
      return def(this).schema;
    },
  },
  jsonSchema: {
    get(this: typeof Block) {
      return computedOf(def(this)).jsonSchema;
    },
  },
  checksum: {
    get(this: typeof Block) {
      return computedOf(def(this)).checksum;
    },
  },
  secretFields: {
    get(this: typeof Block) {
      return computedOf(def(this)).secretFields;
    },
  },
  definingPackage: {
    get(this: typeof Block) {
      return def(this).package;
    },
  },
  load: {
    value(this: typeof Block, name: string, options?: LoadBlockOptions) {
      return loadBlockOfClass(registered(this), name, options);
    },
  },
  delete: {
    value(this: typeof Block, name: string, options?: DeleteBlockOptions) {
      return deleteBlock(registered(this), name, options);
    },
  },
  list: {
    value(this: typeof Block, options?: ListBlocksOptions) {
      return listBlocks(registered(this), options);
    },
  },
  history: {
    value(this: typeof Block, name: string, options?: StoreOption) {
      return blockHistory(registered(this), name, options);
    },
  },
  rollback: {
    value(this: typeof Block, name: string, revision: number, options?: ChangeBlockOptions) {
      return rollbackBlock(registered(this), name, revision, options);
    },
  },
  rename: {
    value(this: typeof Block, name: string, newName: string, options?: RenameBlockOptions) {
      return renameBlock(registered(this), name, newName, options);
    },
  },
  upgrade: {
    value(this: typeof Block, name: string, options?: UpgradeBlockOptions) {
      return upgradeBlock(registered(this), name, options);
    },
  },
  watch: {
    value(this: typeof Block, name: string, options?: StoreOption) {
      return watchBlock(registered(this), name, options);
    },
  },
  field: {
    value(this: typeof Block) {
      return nestedFieldSchema(registered(this));
    },
  },
});

/** Registers the class a static was called on (the most-derived one wins) and returns it. */
function registered(BlockClass: typeof Block): BlockClassInternal {
  registerBlockType(BlockClass as unknown as AnyBlockClass);
  return BlockClass as unknown as BlockClassInternal;
}

function def(BlockClass: unknown): BlockTypeDefinition {
  const definition = definitionOf(BlockClass);
  if (!definition)
    throw new InvalidInputError({
      subject: "blockClass",
      message: "Use a class made with defineBlock.",
    });
  return definition;
}
