import { randomUUID } from "node:crypto";
import {
  BlockExistsError,
  DocumentTooLargeError,
  InvalidInputError,
  RevisionConflictError,
  ValidationFailedError,
  type ValidationProblem,
} from "../errors/index.js";
import { blockMarkerKey, isSecretReferenceMarker, STORED_MARKER_KEYS } from "../protocol/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import {
  getSecretCipher,
  isSealedSecret,
  isServerKeyedCipher,
  type SealedSecret,
  type SecretCipher,
  SecretValue,
  secretReferenceTargets,
} from "../secrets/index.js";
import {
  type BlockStore,
  getDefaultStore,
  localActor,
  type PutDocumentInput,
  type StoredDocument,
  type WrappedDataKey,
} from "../store/index.js";
import type { SaveBlockOptions } from "./block.js";
import type { BlockTypeDefinition } from "./block-definition.js";
import {
  currentFields,
  definitionOf,
  identityOf,
  sealedOriginOf,
  setIdentity,
  setSealedOrigin,
  versionOf,
} from "./block-internals.js";
import { computedOf } from "./block-json-schema.js";
import { recordBlockType } from "./block-type-record.js";
import { checkCallOptions } from "./call-options.js";
import { passesUnchanged } from "./schema-pass-through.js";
import { assertSlugPart, formatSlug } from "./slug.js";
import { unknownFieldProblems, validate, valueShapeProblem } from "./validation.js";

/** How many times a save retries when another writer changed the document between read and write. */
const SAVE_ATTEMPTS = 5;

/** State of one save: the document being written and what it needs. */
interface SaveContext {
  store: BlockStore;
  slug: string;
  documentId: string;
  dataKey: WrappedDataKey | null;
  current: StoredDocument | undefined;
  cipher: SecretCipher | undefined;
  references: Set<string>;
  /** Whether the data holds a secret (to seal, keep or reference). */
  holdsSecrets: boolean;
  /** Secrets to seal, each with the placeholder object standing for it in the data. */
  pending: Array<{
    value: SecretValue;
    fieldPath: string;
    segments: readonly string[];
    placeholder: JsonObject;
  }>;
  /** Secret values sealed in this save, to remember their sealed form once the write succeeds. */
  sealed: Array<{
    value: SecretValue;
    fieldPath: string;
    segments: readonly string[];
    sealed: SealedSecret;
  }>;
  problems: ValidationProblem[];
  /** The unsaved blocks being encoded, the saved one included: one met again is a cycle. */
  encoding: Set<object>;
}

/** Where one save writes: the block's type and name, the store and the caller's options. */
interface SaveTarget {
  definition: BlockTypeDefinition;
  name: string;
  slug: string;
  store: BlockStore;
  options: SaveBlockOptions;
  schemaChecksum: string;
  /** Who the revision records (`localActor`). */
  actor: string | undefined;
}

/**
 * Saves a block: validates its current fields, seals secrets (a data key per document), turns
 * saved nested blocks into references and writes the whole document as a new revision.
 */
export async function saveBlock(
  block: object,
  givenName: string | undefined,
  givenOptions: SaveBlockOptions = {},
): Promise<void> {
  const definition = definitionOf(block.constructor)!;
  checkCallOptions("save", givenOptions);
  const { name, options } = nameAndOptions(block, definition, givenName, givenOptions);
  const slug = formatSlug(definition.type, name);
  const fields = validatedFields(block, definition, slug);
  const store = options.store ?? (await getDefaultStore());
  await recordBlockType(store, block.constructor);
  const schemaChecksum = computedOf(definition).checksum;
  const actor = localActor();
  const target: SaveTarget = { definition, name, slug, store, options, schemaChecksum, actor };

  const first = newContext(store, slug, randomUUID(), undefined);
  first.encoding.add(block);
  const encoded = encodeFields(fields, [], first) as JsonObject;
  if (!first.holdsSecrets) {
    await saveWithoutSecrets(block, fields, target, first, encoded);
    return;
  }
  await saveWithSecrets(block, fields, target);
}

/**
 * The name to save under and the options to save with. Saving in place (no name given) uses the
 * name the block was loaded from or saved as, as a compare-and-swap on the revision it holds,
 * unless the caller names the revision to check.
 */
function nameAndOptions(
  block: object,
  definition: BlockTypeDefinition,
  givenName: string | undefined,
  givenOptions: SaveBlockOptions,
): { name: string; options: SaveBlockOptions } {
  if (givenName !== undefined) {
    assertSlugPart(givenName, "name");
    return { name: givenName, options: givenOptions };
  }
  const identity = identityOf(block);
  if (!identity) {
    throw new InvalidInputError({
      subject: "name",
      message: `This ${definition.type} block was never saved or loaded, so save() needs a name: block.save("<name>").`,
    });
  }
  const options = {
    ...givenOptions,
    expectedRevision: givenOptions.expectedRevision ?? identity.revision,
  };
  if (!options.store && identity.store) options.store = identity.store;
  return { name: identity.name, options };
}

/**
 * Nothing to seal or keep: the document id and data key do not matter, so one write does it and
 * the store checks overwrite and compare-and-swap itself.
 */
async function saveWithoutSecrets(
  block: object,
  fields: Record<string, unknown>,
  target: SaveTarget,
  context: SaveContext,
  data: JsonObject,
): Promise<void> {
  if (context.problems.length > 0)
    throw new ValidationFailedError({ subject: target.slug, problems: context.problems });
  const stored = await target.store.put(
    documentInput(target, context, data, target.options.expectedRevision),
  );
  keepSaved(block, fields, target, stored);
}

/**
 * Secrets are sealed against the document id and data key read first, so the write must land on
 * exactly that revision; when another writer got there first (and the caller allows
 * overwriting), the save reads again and seals again, up to `SAVE_ATTEMPTS` times.
 */
async function saveWithSecrets(
  block: object,
  fields: Record<string, unknown>,
  target: SaveTarget,
): Promise<void> {
  const { options, slug, store } = target;
  for (let attempt = 1; ; attempt++) {
    const current = await currentDocument(target);
    const observed = current?.revision ?? 0;
    const context = newContext(store, slug, current?.id ?? randomUUID(), current);
    context.encoding.add(block);
    const data = encodeFields(fields, [], context) as JsonObject;
    if (context.problems.length > 0)
      throw new ValidationFailedError({ subject: slug, problems: context.problems });
    await sealPending(context, data);
    for (const id of await secretReferenceTargets(store, slug, data)) context.references.add(id);
    try {
      const stored = await store.put(
        documentInput(target, context, data, options.expectedRevision ?? observed),
      );
      rememberSealed(context, stored.id);
      keepSaved(block, fields, target, stored);
      return;
    } catch (error) {
      if (!RevisionConflictError.isInstance(error) || options.expectedRevision !== undefined) {
        throw error;
      }
      if (!options.overwrite) throw new BlockExistsError({ slug });
      if (attempt >= SAVE_ATTEMPTS) throw error;
    }
  }
}

/** The stored document a save with secrets builds on, refused when the caller's terms do not hold. */
async function currentDocument(target: SaveTarget): Promise<StoredDocument | undefined> {
  const { definition, name, options, slug, store } = target;
  const current = await store.get({ type: definition.type, name });
  const observed = current?.revision ?? 0;
  if (options.expectedRevision !== undefined && options.expectedRevision !== observed) {
    throw new RevisionConflictError({
      slug,
      expectedRevision: options.expectedRevision,
      actualRevision: observed,
    });
  }
  if (current && options.expectedRevision === undefined && !options.overwrite) {
    throw new BlockExistsError({ slug });
  }
  return current;
}

/**
 * The store write of one save. Built property by property: on Node 20 an object spread followed
 * by more properties is a slow path (microseconds per save).
 */
function documentInput(
  target: SaveTarget,
  context: SaveContext,
  data: JsonObject,
  expectedRevision: number | undefined,
): PutDocumentInput {
  const { definition, options } = target;
  const input: PutDocumentInput = {
    id: context.documentId,
    type: definition.type,
    name: target.name,
    data,
    schemaChecksum: target.schemaChecksum,
    schemaVersion: versionOf(definition),
    references: [...context.references].sort(),
    dataKey: context.dataKey,
    overwrite: options.overwrite === true || options.expectedRevision !== undefined,
  };
  if (definition.package) input.package = { ...definition.package };
  if (expectedRevision !== undefined) input.expectedRevision = expectedRevision;
  if (target.actor !== undefined) input.actor = target.actor;
  return input;
}

/** Remembers each secret's sealed form, so saving it again unchanged does not seal it again. */
function rememberSealed(context: SaveContext, documentId: string): void {
  for (const entry of context.sealed) {
    setSealedOrigin(entry.value, {
      documentId,
      fieldPath: entry.fieldPath,
      fieldPathSegments: entry.segments,
      sealed: entry.sealed,
    });
  }
}

/** After a write: the block knows where it is saved and holds the fields as validated. */
function keepSaved(
  block: object,
  fields: Record<string, unknown>,
  target: SaveTarget,
  stored: StoredDocument,
): void {
  const { name, store } = target;
  setIdentity(block, { documentId: stored.id, name, revision: stored.revision, store });
  keepValidated(block, fields);
}

function newContext(
  store: BlockStore,
  slug: string,
  documentId: string,
  current: StoredDocument | undefined,
): SaveContext {
  return {
    store,
    slug,
    documentId,
    dataKey: current?.dataKey ?? null,
    current,
    cipher: undefined,
    references: new Set(),
    holdsSecrets: false,
    pending: [],
    sealed: [],
    problems: [],
    encoding: new Set(),
  };
}

/**
 * Puts the validated fields back on the saved block, so a secret field assigned a plain string
 * holds a `SecretValue` from now on (and a default is seen as saved).
 */
function keepValidated(block: object, fields: Record<string, unknown>): void {
  const target = block as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (target[key] !== fields[key]) target[key] = fields[key];
  }
}

/**
 * The block's current fields, validated again: every field of the schema, whether given to the
 * constructor or assigned since.
 */
function validatedFields(
  block: object,
  definition: BlockTypeDefinition,
  subject: string,
): Record<string, unknown> {
  const fields = currentFields(block, definition);
  // Fields changed since construction may nest too deep for zod and the encoder to walk, or hold
  // a __proto__ key that would be dropped silently.
  const shapeProblem = valueShapeProblem(fields);
  if (shapeProblem) throw new ValidationFailedError({ subject, problems: [shapeProblem] });
  // Fields that zod would return unchanged (the usual case for a loaded or constructed block).
  if (passesUnchanged(definition.schema, fields)) return fields;
  // A key assigned inside a field's object that the schema does not have would be dropped.
  const unknown = unknownFieldProblems(definition.schema, fields);
  if (unknown.length > 0) throw new ValidationFailedError({ subject, problems: unknown });
  const result = validate(definition.schema, fields);
  if (!result.ok) throw new ValidationFailedError({ subject, problems: result.problems });
  return result.data;
}

/**
 * Stored data of validated fields. Synchronous: each secret becomes an empty placeholder object,
 * filled in by `sealPending` once the secrets are sealed (that needs I/O).
 */
function encodeFields(value: unknown, path: string[], context: SaveContext): JsonValue | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (value === undefined) return undefined;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    return problem(context, path, "is not a finite number (JSON cannot hold NaN or Infinity)");
  }
  if (SecretValue.isInstance(value)) return encodeSecret(value, path, context);
  if (typeof value === "object" && (value as Record<symbol, unknown>)[blockMarkerKey] === true) {
    return encodeNestedBlock(value, path, context);
  }
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (let index = 0; index < value.length; index++) {
      path.push(String(index));
      items.push(encodeFields(value[index], path, context) ?? null);
      path.pop();
    }
    return items;
  }
  if (typeof value === "object") {
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) {
      const keys = Object.keys(value);
      if (keys.length === 1 && STORED_MARKER_KEYS.has(keys[0]!)) {
        return problem(
          context,
          path,
          `a plain object with only "${keys[0]}" is reserved for stored markers`,
        );
      }
      const result: JsonObject = {};
      for (const key of keys) {
        path.push(key);
        const encoded = encodeFields((value as Record<string, unknown>)[key], path, context);
        path.pop();
        if (encoded === undefined) continue;
        if (key === "__proto__") {
          // defineProperty keeps a `__proto__` key as data instead of changing the prototype.
          Object.defineProperty(result, key, {
            value: encoded,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          result[key] = encoded;
        }
      }
      return result;
    }
    const kind = (value as object).constructor?.name ?? "object";
    return problem(
      context,
      path,
      `holds a ${kind}, which is not JSON; store it as a string or plain object`,
    );
  }
  return problem(context, path, `holds a ${typeof value}, which is not JSON`);
}

function problem(context: SaveContext, path: string[], message: string): undefined {
  context.problems.push({ path: path.join("."), message });
  return undefined;
}

function encodeNestedBlock(
  block: object,
  path: string[],
  context: SaveContext,
): JsonValue | undefined {
  const identity = identityOf(block);
  if (identity) {
    context.references.add(identity.documentId);
    return { $ref: identity.documentId };
  }
  if (context.encoding.has(block)) {
    return problem(
      context,
      path,
      "holds a block that contains this field (a cycle); nested blocks must form a tree, so save one of them and nest the saved one, or remove the link",
    );
  }
  const definition = definitionOf(block.constructor)!;
  const fields = validatedFields(block, definition, `${context.slug} (field ${path.join(".")})`);
  context.encoding.add(block);
  try {
    return encodeFields(fields, path, context);
  } finally {
    context.encoding.delete(block);
  }
}

function encodeSecret(
  value: SecretValue,
  path: string[],
  context: SaveContext,
): JsonValue | undefined {
  context.holdsSecrets = true;
  const fieldPath = path.join(".");
  const origin = value.origin;
  if (origin.kind === "keep") {
    const stored = storedAt(context.current?.data, path);
    if (isSealedSecret(stored) || isSecretReferenceMarker(stored))
      return { ...(stored as JsonObject) };
    return problem(
      context,
      path,
      context.current
        ? "asks to keep the stored secret, but the current revision has no secret at this path; give the value"
        : "asks to keep the stored secret, but nothing is saved under this name yet; give the value",
    );
  }
  if (origin.kind === "reference") return { $reference: origin.reference };
  const previous = sealedOriginOf(value);
  if (
    previous &&
    previous.documentId === context.documentId &&
    previous.fieldPathSegments.length === path.length &&
    previous.fieldPathSegments.every((segment, index) => segment === path[index]) &&
    // A document a server sent without its wrapped data key still has one, which the store keeps.
    (context.dataKey !== null || context.current !== undefined)
  ) {
    return { ...previous.sealed };
  }
  const placeholder: JsonObject = {};
  context.pending.push({ value, fieldPath, segments: [...path], placeholder });
  return placeholder;
}

/**
 * Seals the secrets `encodeFields` left as placeholders (one data key per document). The size of
 * the document is checked against the store limit from the plaintexts first: a sealed secret is
 * at least its plaintext in base64, so an oversized secret is refused before any encryption.
 */
async function sealPending(context: SaveContext, data: JsonObject): Promise<void> {
  if (context.pending.length === 0) return;
  const plaintexts: JsonValue[] = [];
  let size = Buffer.byteLength(JSON.stringify(data), "utf8");
  for (const { value } of context.pending) {
    const plaintext = await value.reveal();
    plaintexts.push(plaintext);
    const bytes =
      typeof plaintext === "string"
        ? Buffer.byteLength(plaintext, "utf8")
        : Buffer.byteLength(JSON.stringify(plaintext) ?? "", "utf8");
    size += Math.ceil(bytes / 3) * 4;
  }
  const limit = context.store.limits?.maxDocumentBytes;
  if (limit !== undefined && size > limit)
    throw new DocumentTooLargeError({ slug: context.slug, size, limit });
  context.cipher ??= await getSecretCipher(context.store);
  const cipher = context.cipher;
  // A server sends a document without its wrapped data key to some tokens: the document keeps
  // its own key (the store never replaces it), so new values are sealed with that one, asked of
  // the server by the document's id. A new key would leave them unreadable.
  const documentKeyed =
    context.dataKey === null &&
    context.current !== undefined &&
    isServerKeyedCipher(cipher) &&
    (await cipher.hasDocumentDataKey(context.documentId));
  if (!documentKeyed) context.dataKey ??= await cipher.createDataKey();
  for (let index = 0; index < context.pending.length; index++) {
    const { value, fieldPath, segments, placeholder } = context.pending[index]!;
    const plaintext = plaintexts[index]!;
    const valueContext = { documentId: context.documentId, fieldPath, fieldPathSegments: segments };
    const sealed =
      documentKeyed && isServerKeyedCipher(cipher)
        ? await cipher.sealWithoutDataKey(valueContext, plaintext)
        : await cipher.seal({ ...valueContext, dataKey: context.dataKey! }, plaintext);
    Object.assign(placeholder, sealed);
    context.sealed.push({ value, fieldPath, segments, sealed });
  }
}

function storedAt(data: JsonObject | undefined, path: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) ? node[Number(segment)] : node[segment];
  }
  return node;
}
