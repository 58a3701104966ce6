import { blockDefinitionKey } from "../protocol/index.js";
import type { SealedSecret, SecretValue } from "../secrets/index.js";
import type { BlockStore } from "../store/index.js";
import type { BlockTypeDefinition } from "./block-definition.js";

/** A block class as the internals see it. */
export interface BlockClassInternal {
  new (input?: unknown): object;
  readonly prototype: object;
  readonly [blockDefinitionKey]: BlockTypeDefinition;
}

/** The definition of a block class (or `undefined` for anything else). */
export function definitionOf(value: unknown): BlockTypeDefinition | undefined {
  if (typeof value !== "function") return undefined;
  return (value as Partial<BlockClassInternal>)[blockDefinitionKey];
}

/** Which stored document an instance is (set by save and load). */
export interface BlockIdentity {
  /** The stored document's immutable id. */
  documentId: string;
  /** The document name it was saved as or loaded from. */
  name: string;
  /** The revision it was saved as or loaded from. */
  revision: number;
  /** The store it was saved to or loaded from (where `save()` without a name writes). */
  store?: BlockStore;
}

/**
 * Reads and writes the private per-instance state of blocks. `Block` installs it when its class
 * is defined: private fields cost a fraction of a `WeakMap` entry, which matters on every load.
 */
export interface BlockSlots {
  /** The identity of a block made by this copy of core, else `undefined`. */
  identity(block: object): BlockIdentity | undefined;
  /** Sets the identity; false when `block` was not made by this copy of core. */
  setIdentity(block: object, identity: BlockIdentity): boolean;
}

let slots: BlockSlots | undefined;

/** Called once by `Block` (see `BlockSlots`). */
export function installBlockSlots(installed: BlockSlots): void {
  slots = installed;
}

/** Identities of objects that are not blocks of this copy of core (kept for completeness). */
const otherIdentities = new WeakMap<object, BlockIdentity>();

/** Which stored document an instance is, once saved or loaded. */
export function identityOf(block: object): BlockIdentity | undefined {
  return slots?.identity(block) ?? otherIdentities.get(block);
}

/** Records which stored document an instance is (save and load). */
export function setIdentity(block: object, identity: BlockIdentity): void {
  if (!slots?.setIdentity(block, identity)) otherIdentities.set(block, identity);
}

/**
 * The field names of a block type: every key of its schema, so a field assigned after
 * construction is saved and shown like one given to the constructor.
 */
function fieldKeysOf(definition: BlockTypeDefinition): string[] {
  return Object.keys(definition.schema.shape);
}

/** The block's current value of every schema field (`undefined` ones left out). */
export function currentFields(
  block: object,
  definition: BlockTypeDefinition,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of fieldKeysOf(definition)) {
    const value = (block as Record<string, unknown>)[key];
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

/**
 * A stored secret as loaded: which document and path it was sealed for, and the sealed form, so
 * saving it back to the same place reuses the ciphertext instead of decrypting and re-sealing.
 */
export interface SealedOrigin {
  /** The document the value was sealed for. */
  documentId: string;
  /** The field path it was sealed for. */
  fieldPath: string;
  /** The same path as keys and indexes (a key may hold a dot, so the dotted path can be shared). */
  fieldPathSegments: readonly string[];
  /** The stored sealed form. */
  sealed: SealedSecret;
}

/**
 * Where a secret value keeps its sealed origin: a non-enumerable property under a symbol private
 * to this module (invisible to equality, `JSON.stringify`, spreads and `Object.keys`). A load
 * makes one per stored secret, and a `WeakMap` entry costs far more than a property.
 */
const sealedOriginSlot = Symbol("tessera.sealed-origin");

/** Sealed origins of secret values that cannot take the property (frozen or non-extensible). */
const otherSealedOrigins = new WeakMap<SecretValue, SealedOrigin>();

/** The sealed origin of a secret value, if it was loaded or saved as a sealed secret. */
export function sealedOriginOf(value: SecretValue): SealedOrigin | undefined {
  return (
    otherSealedOrigins.get(value) ??
    (value as unknown as { [sealedOriginSlot]?: SealedOrigin })[sealedOriginSlot]
  );
}

/** Records the sealed origin of a secret value (load, and save once the write succeeded). */
export function setSealedOrigin(value: SecretValue, origin: SealedOrigin): void {
  if (Object.hasOwn(value, sealedOriginSlot)) {
    if (!Object.isFrozen(value)) {
      (value as unknown as { [sealedOriginSlot]: SealedOrigin })[sealedOriginSlot] = origin;
      return;
    }
  } else if (Object.isExtensible(value)) {
    Object.defineProperty(value, sealedOriginSlot, { value: origin, writable: true });
    return;
  }
  otherSealedOrigins.set(value, origin);
}

let trusted: Record<string, unknown> | undefined;

/**
 * Constructs a block from fields that were already validated (on load), skipping the second
 * validation. Synchronous, so the slot cannot leak to another construction.
 */
export function constructTrusted<T>(
  BlockClass: new (input?: unknown) => T,
  fields: Record<string, unknown>,
): T {
  trusted = fields;
  try {
    return new BlockClass();
  } finally {
    trusted = undefined;
  }
}

/** Takes the validated fields of a trusted construction, if one is under way. */
export function takeTrustedFields(): Record<string, unknown> | undefined {
  const fields = trusted;
  trusted = undefined;
  return fields;
}

/** The schema version of a definition: declared, else the defining package's, else 1.0.0. */
export function versionOf(definition: BlockTypeDefinition): string {
  return definition.declaredVersion ?? definition.package?.version ?? "1.0.0";
}

/** Stored fields a load dropped because the schema has no such field, per loaded instance. */
const droppedFields = new WeakMap<object, string[]>();

/** Records the stored fields a load dropped (see `upgrade`). */
export function setDroppedFields(block: object, fields: string[]): void {
  droppedFields.set(block, fields);
}

/** The stored fields the load of `block` dropped because the schema has no such field. */
export function droppedFieldsOf(block: object): readonly string[] {
  return droppedFields.get(block) ?? [];
}
