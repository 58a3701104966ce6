/**
 * The cross-copy protocol: what two copies of `@tessera/core` in one process, or two versions of
 * it reading one store, must agree on. The `Symbol.for` keys mark values and global state so a
 * copy recognises what another copy made; the stored markers are the one-key objects that stand
 * in a document's data for something other than plain JSON. Changing any of them breaks stores
 * and processes already in use, so they live here, together, and this module imports nothing.
 */

/** Marks block instances, whichever copy of core made them. */
export const blockMarkerKey = Symbol.for("tessera.block");

/** Where a block class keeps its definition (inherited by subclasses). */
export const blockDefinitionKey = Symbol.for("tessera.block.definition");

/** Marks `SecretValue` instances, whichever copy of core made them. */
export const secretMarkerKey = Symbol.for("tessera.secret");

/** Marks `TesseraError` instances, whichever copy of core made them. */
export const errorMarkerKey = Symbol.for("tessera.error");

/** The global slot of the redactor: every copy of core scrubs with the same remembered secrets. */
export const redactorKey = Symbol.for("tessera.redactor");

/** Marks an integration manifest (the `integration` export of an integration package). */
export const integrationMarkerKey = Symbol.for("tessera.integration");

/** The global list of the copies of core loaded in this process. */
export const coreCopiesKey = Symbol.for("tessera.core.instances");

/** The global record of the integrations loaded in this process. */
export const loadedIntegrationsKey = Symbol.for("tessera.integrations.loaded");

/** A link to another saved document, as stored: `{ "$ref": "<document id>" }`. */
export interface DocumentLink {
  $ref: string;
}

/** A secret value as stored in a document's data: ciphertext in the versioned format. */
export interface SealedSecret {
  /** The versioned, base64 ciphertext (version byte, data key id, nonce, ciphertext, tag). */
  $sealed: string;
}

/** A secret held by reference: `{ "$reference": "secret/<name>" | "env:NAME" | "<type>/<name>" }`. */
export interface SecretReferenceMarker {
  $reference: string;
}

/** In input written back from masked output: keep the secret already stored at this path. */
export interface KeepMarker {
  $keep: true;
}

/** In presented data: a link whose document was deleted (`{ "$missing": "<document id>" }`). */
export interface MissingLink {
  $missing: string;
}

/**
 * Keys of the markers a store holds or a save takes; a plain object made of one of them alone is
 * refused as data. (`$missing` only appears in presented data, never in a store.)
 */
export const STORED_MARKER_KEYS: ReadonlySet<string> = new Set([
  "$ref",
  "$sealed",
  "$reference",
  "$keep",
]);

/**
 * The only own enumerable key of an object, or `undefined` when it has none or several. Markers
 * are objects with one key; this tells them apart without allocating a key list.
 */
export function soleKey(node: object): string | undefined {
  let found: string | undefined;
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

function isMarker(value: unknown, key: string): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && soleKey(value) === key
  );
}

/** True for `{ "$ref": "<string>" }`. */
export function isDocumentLink(value: unknown): value is DocumentLink {
  return isMarker(value, "$ref") && typeof value.$ref === "string";
}

/** True for a stored sealed value, `{ "$sealed": "<string>" }`. */
export function isSealedSecret(value: unknown): value is SealedSecret {
  return isMarker(value, "$sealed") && typeof value.$sealed === "string";
}

/** True for `{ "$reference": "<string>" }`. */
export function isSecretReferenceMarker(value: unknown): value is SecretReferenceMarker {
  return isMarker(value, "$reference") && typeof value.$reference === "string";
}

/** True for `{ "$keep": true }`. */
export function isKeepMarker(value: unknown): value is KeepMarker {
  return isMarker(value, "$keep") && value.$keep === true;
}

/** True for `{ "$missing": "<string>" }`. */
export function isMissingLink(value: unknown): value is MissingLink {
  return isMarker(value, "$missing") && typeof value.$missing === "string";
}
