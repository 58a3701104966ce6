import type { SealedSecret, SecretValue } from "../secrets/index.js";
import type { BlockTypeDefinition } from "./block-definition.js";

/** Where a block class keeps its definition (inherited by subclasses). */
export const definitionKey = Symbol.for("tessera.block.definition");

/** Marks block instances across copies of core. */
export const blockMarker = Symbol.for("tessera.block");

/** A block class as the internals see it. */
export interface BlockClassInternal {
  new (input?: unknown): object;
  readonly prototype: object;
  readonly [definitionKey]: BlockTypeDefinition;
}

/** The definition of a block class (or `undefined` for anything else). */
export function definitionOf(value: unknown): BlockTypeDefinition | undefined {
  if (typeof value !== "function") return undefined;
  return (value as Partial<BlockClassInternal>)[definitionKey];
}

/** Which stored document an instance is (set by save and load). */
export interface BlockIdentity {
  /** The stored document's immutable id. */
  documentId: string;
  /** The document name it was saved as or loaded from. */
  name: string;
  /** The revision it was saved as or loaded from. */
  revision: number;
}

/** Identity of saved or loaded instances. */
export const identities = new WeakMap<object, BlockIdentity>();

/** The field names of each instance (the keys of its parsed schema output). */
export const fieldKeys = new WeakMap<object, string[]>();

/**
 * A stored secret as loaded: which document and path it was sealed for, and the sealed form, so
 * saving it back to the same place reuses the ciphertext instead of decrypting and re-sealing.
 */
export interface SealedOrigin {
  /** The document the value was sealed for. */
  documentId: string;
  /** The field path it was sealed for. */
  fieldPath: string;
  /** The stored sealed form. */
  sealed: SealedSecret;
}

/** Sealed origins of secret values. */
export const sealedOrigins = new WeakMap<SecretValue, SealedOrigin>();

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
