import semver from "semver";
import {
  BlockNotFoundError,
  DecryptionFailedError,
  IntegrationTooOldError,
  NestingTooDeepError,
  ReferenceNotFoundError,
  SchemaMismatchError,
  SchemaTooNewError,
  UnknownBlockTypeError,
} from "../errors/index.js";
import { soleKey } from "../protocol/index.js";
import type { JsonValue } from "../schema/index.js";
import {
  getSecretCipher,
  isServerKeyedCipher,
  type SealedSecret,
  type SecretCipher,
  SecretValue,
} from "../secrets/index.js";
import { type BlockStore, getDefaultStore, type StoredDocument } from "../store/index.js";
import type { BlockMembers, LoadBlockOptions } from "./block.js";
import type { BlockTypeDefinition } from "./block-definition.js";
import {
  type BlockClassInternal,
  constructTrusted,
  definitionOf,
  setDroppedFields,
  setIdentity,
  setSealedOrigin,
  versionOf,
} from "./block-internals.js";
import { checkCallOptions } from "./call-options.js";
import { closeMatches } from "./close-matches.js";
import { migrate } from "./migrate.js";
import { loadRegisteredClass, registeredClass } from "./registry.js";
import { passesUnchanged } from "./schema-pass-through.js";
import { assertSlugPart, formatSlug, parseSlug } from "./slug.js";
import { validate } from "./validation.js";

/** How many levels of saved nested blocks a load follows. */
export const MAX_NESTING_DEPTH = 32;

/** Loads `type/name` of a known class: the newest revision, or `options.revision`. */
export async function loadBlockOfClass(
  BlockClass: BlockClassInternal,
  name: string,
  options: LoadBlockOptions = {},
): Promise<object> {
  const definition = definitionOf(BlockClass)!;
  assertSlugPart(name, "name");
  checkCallOptions("load", options);
  options ??= {};
  const store = options.store ?? (await getDefaultStore());
  const ref = { type: definition.type, name };
  const document =
    options.revision === undefined
      ? await store.get(ref)
      : await store.get(ref, { revision: options.revision });
  if (!document) throw await notFound(store, definition.type, name, options.revision);
  return instantiate(store, BlockClass, document);
}

/**
 * Loads a block by slug (`type/name`) without knowing its class: the class registered for the
 * type builds the instance. When none is registered, the integration package the store records
 * for the type is loaded if it is installed where the user runs and declares itself a Tessera
 * integration. `UNKNOWN_BLOCK_TYPE` (with the package to install, when the store knows it) when
 * the type is still unknown. Name the class you expect as the type
 * argument (`loadBlock<S3Bucket>("s3-bucket/results")`); it is not checked at run time. A
 * subclass with methods must be registered for its instances to have them (see
 * `registerBlockType`): importing the module that declares it is not enough by itself.
 */
export async function loadBlock<T extends BlockMembers = BlockMembers & Record<string, unknown>>(
  slug: string,
  options: LoadBlockOptions = {},
): Promise<T> {
  const { type, name } = parseSlug(slug);
  checkCallOptions("load", options);
  options ??= {};
  let BlockClass = registeredClass(type);
  if (!BlockClass) {
    const store = options.store ?? (await getDefaultStore());
    BlockClass = await loadRegisteredClass(type, store);
    if (!BlockClass) throw await unknownType(store, type);
  }
  return (await loadBlockOfClass(BlockClass, name, options)) as T;
}

async function unknownType(store: BlockStore, type: string): Promise<UnknownBlockTypeError> {
  const record = await store.getBlockType(type);
  return new UnknownBlockTypeError({
    type,
    ...(record?.package
      ? { packageName: record.package.name, packageRange: `^${record.package.version}` }
      : {}),
  });
}

/** `BLOCK_NOT_FOUND` for `type/name` (or one of its revisions), with close matches of that type. */
export async function notFound(
  store: BlockStore,
  type: string,
  name: string,
  revision: number | undefined,
): Promise<BlockNotFoundError> {
  const slug = formatSlug(type, name);
  if (revision !== undefined && (await store.get({ type, name }))) {
    return new BlockNotFoundError({ slug, closeMatches: [], revision });
  }
  const names: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const listed = await store.list({ type, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const item of listed.items) names.push(item.name);
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return new BlockNotFoundError({
    slug,
    closeMatches: closeMatches(name, names).map((match) => formatSlug(type, match)),
    revision,
  });
}

/** What `decode` returns when it meets a `$ref` without the built children at hand. */
const NESTED = Symbol("nested block");

/** Builds an instance from a stored document: nested references, migrations, validation. */
export async function instantiate(
  store: BlockStore,
  BlockClass: BlockClassInternal,
  document: StoredDocument,
): Promise<object> {
  const definition = definitionOf(BlockClass)!;
  const unnested = decodeUnnested(store, definition, document);
  if (unnested !== undefined)
    return finishInstance(store, BlockClass, definition, document, unnested);
  const rootIds = referencedIds(document.data);
  const rootSlug = formatSlug(document.type, document.name);
  const idsOf = new Map<StoredDocument, string[]>([[document, rootIds]]);
  const documents = await fetchNested(store, document, rootSlug, idsOf);
  const built = new Map<string, object>();

  const build = async (
    Class: BlockClassInternal,
    stored: StoredDocument,
    depth: number,
  ): Promise<object> => {
    if (depth > MAX_NESTING_DEPTH)
      throw new NestingTooDeepError({ slug: rootSlug, limit: MAX_NESTING_DEPTH });
    const definition = definitionOf(Class)!;
    checkVersions(definition, stored);
    const ids = idsOf.get(stored) ?? referencedIds(stored.data);
    const children = new Map<string, object>();
    for (const id of ids) {
      const existing = built.get(id);
      if (existing) {
        children.set(id, existing);
        continue;
      }
      const child = documents.get(id);
      if (!child) throw new ReferenceNotFoundError({ slug: slugOf(stored), missing: id });
      const ChildClass =
        registeredClass(child.type) ?? (await loadRegisteredClass(child.type, store));
      if (!ChildClass) throw await unknownType(store, child.type);
      const instance = await build(ChildClass, child, depth + 1);
      built.set(id, instance);
      children.set(id, instance);
    }
    const decoded = decode(stored.data, [], { store, document: stored, children });
    return finishInstance(store, Class, definition, stored, decoded as Record<string, unknown>);
  };

  return build(BlockClass, document, 0);
}

/**
 * The decoded fields of a document without saved nested blocks (the common case), in one walk
 * over its data; `undefined` when it holds one, for the path that fetches and builds them first.
 * Errors come in that path's order: the version check before a decoding error.
 */
function decodeUnnested(
  store: BlockStore,
  definition: BlockTypeDefinition,
  document: StoredDocument,
): Record<string, unknown> | undefined {
  let decoded: unknown;
  try {
    decoded = decode(document.data, [], { store, document, children: undefined });
  } catch (error) {
    if (referencedIds(document.data).length > 0) return undefined;
    checkVersions(definition, document);
    throw error;
  }
  if (decoded === NESTED) return undefined;
  checkVersions(definition, document);
  return decoded as Record<string, unknown>;
}

/**
 * The instance of one stored document from its decoded fields: migrations (the only
 * asynchronous step, so a document that needs none is built synchronously), validation.
 */
function finishInstance(
  store: BlockStore,
  Class: BlockClassInternal,
  definition: BlockTypeDefinition,
  stored: StoredDocument,
  decoded: Record<string, unknown>,
): object | Promise<object> {
  if (definition.migrations.length === 0 || stored.schemaVersion === versionOf(definition)) {
    // Freshly decoded fields that validation would return unchanged need no second pass.
    if (passesUnchanged(definition.schema, decoded)) {
      return withIdentity(constructTrusted(Class, decoded), stored, store);
    }
    return validated(store, Class, definition, stored, decoded);
  }
  return migrate(definition, decoded, stored.schemaVersion, slugOf(stored)).then((migrated) =>
    validated(store, Class, definition, stored, migrated.data),
  );
}

/** Validates decoded (and migrated) fields and makes them an instance with the stored identity. */
function validated(
  store: BlockStore,
  Class: BlockClassInternal,
  definition: BlockTypeDefinition,
  stored: StoredDocument,
  fields: Record<string, unknown>,
): object {
  const result = validate(definition.schema, fields);
  if (!result.ok) {
    throw new SchemaMismatchError({
      slug: slugOf(stored),
      storedVersion: stored.schemaVersion,
      installedVersion: versionOf(definition),
      problems: result.problems,
    });
  }
  const instance = withIdentity(constructTrusted(Class, result.data), stored, store);
  // Stored fields the schema no longer has are not kept on the instance; `upgrade` reports them.
  const dropped = Object.keys(fields).filter((key) => !Object.hasOwn(definition.schema.shape, key));
  if (dropped.length > 0) setDroppedFields(instance, dropped);
  return instance;
}

function withIdentity(instance: object, stored: StoredDocument, store: BlockStore): object {
  setIdentity(instance, {
    documentId: stored.id,
    name: stored.name,
    revision: stored.revision,
    store,
  });
  return instance;
}

function slugOf(stored: StoredDocument): string {
  return formatSlug(stored.type, stored.name);
}

/** Fetches every document reachable through `$ref`s, level by level (one round trip per level). */
async function fetchNested(
  store: BlockStore,
  root: StoredDocument,
  rootSlug: string,
  idsOf: Map<StoredDocument, string[]>,
): Promise<Map<string, StoredDocument>> {
  const documents = new Map<string, StoredDocument>([[root.id, root]]);
  let frontier = idsOf.get(root) ?? referencedIds(root.data);
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > MAX_NESTING_DEPTH)
      throw new NestingTooDeepError({ slug: rootSlug, limit: MAX_NESTING_DEPTH });
    const missing = [...new Set(frontier)].filter((id) => !documents.has(id));
    if (missing.length === 0) break;
    // One reference (the common case) is a point read; several go in one round trip.
    const fetched =
      missing.length === 1 ? await fetchOne(store, missing[0]!) : await store.getMany(missing);
    const next: string[] = [];
    for (const id of missing) {
      const child = fetched.get(id);
      if (!child) throw new ReferenceNotFoundError({ slug: rootSlug, missing: id });
      documents.set(id, child);
      const ids = referencedIds(child.data);
      idsOf.set(child, ids);
      for (const childId of ids) next.push(childId);
    }
    frontier = next;
  }
  return documents;
}

async function fetchOne(store: BlockStore, id: string): Promise<Map<string, StoredDocument>> {
  const document = await store.get({ id });
  return document?.id === id ? new Map([[id, document]]) : new Map();
}

/** Ids of the `{ "$ref": id }` markers in stored data, in document order. */
function referencedIds(data: JsonValue): string[] {
  const ids: string[] = [];
  collectReferencedIds(data, ids);
  return ids;
}

function collectReferencedIds(node: JsonValue, ids: string[]): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) collectReferencedIds(node[index]!, ids);
    return;
  }
  const key = soleKey(node);
  if (key === "$ref" && typeof node.$ref === "string") {
    ids.push(node.$ref);
    return;
  }
  for (const name in node) {
    if (Object.hasOwn(node, name)) collectReferencedIds(node[name]!, ids);
  }
}

interface DecodeContext {
  store: BlockStore;
  document: StoredDocument;
  /** The built nested blocks by id; `undefined` to stop at the first `$ref` with `NESTED`. */
  children: ReadonlyMap<string, object> | undefined;
  /** The store's cipher, looked up once for all the document's secrets (on the first reveal). */
  cipher?: Promise<SecretCipher>;
}

/** Stored data to field values: sealed secrets become lazy `SecretValue`s, `$ref`s instances. */
function decode(node: JsonValue, path: string[], context: DecodeContext): unknown {
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) {
    const items: unknown[] = [];
    for (let index = 0; index < node.length; index++) {
      path.push(String(index));
      const item = decode(node[index]!, path, context);
      path.pop();
      if (item === NESTED) return NESTED;
      items.push(item);
    }
    return items;
  }
  const marker = soleKey(node);
  if (marker !== undefined) {
    const value = node[marker];
    if (typeof value === "string") {
      if (marker === "$sealed") return storedSecret(value, [...path], context);
      if (marker === "$reference") return secretReference(value, context.store);
      if (marker === "$ref") return context.children ? context.children.get(value) : NESTED;
    }
  }
  const result: Record<string, unknown> = {};
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    path.push(key);
    const decoded = decode(node[key]!, path, context);
    path.pop();
    if (decoded === NESTED) return NESTED;
    if (key === "__proto__") setOwn(result, key, decoded);
    else result[key] = decoded;
  }
  return result;
}

/** Sets an own property, even `__proto__`, without touching the object's prototype. */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A lazy `SecretValue` for the sealed text stored at `segments`: decrypted on `reveal()`. */
function storedSecret(
  sealedText: string,
  segments: readonly string[],
  context: DecodeContext,
): SecretValue {
  const { store, document } = context;
  const fieldPath = segments.join(".");
  const sealed: SealedSecret = { $sealed: sealedText };
  const value = SecretValue.lazy({ kind: "stored" }, () => {
    if (context.cipher === undefined) {
      context.cipher = getSecretCipher(store);
      // A failed lookup is not kept: the next reveal tries again (a key restored meanwhile).
      context.cipher.catch(() => {
        context.cipher = undefined;
      });
    }
    return context.cipher.then((cipher) => {
      if (!document.dataKey && isServerKeyedCipher(cipher)) {
        // The server sent the document without its wrapped data key (it does so for tokens that
        // may not see wrapped keys): it is asked for the document's key, and says who may have it.
        return cipher.openWithoutDataKey(
          { documentId: document.id, fieldPath, fieldPathSegments: segments },
          sealed,
        );
      }
      if (!document.dataKey && store.kind === "http") {
        throw new DecryptionFailedError({
          reason: "key-unavailable",
          fieldPath,
          message: `The server sent "${document.type}/${document.name}" without its data key, as it does for API tokens that may not read wrapped keys, so its secret ${fieldPath} cannot be revealed with the master key this process holds. Use an API token (TESSERA_API_KEY) that may read them, or run without a master key here and use a token with the reveal scope.`,
        });
      }
      if (!document.dataKey) {
        throw new DecryptionFailedError({
          reason: "unsupported-format",
          fieldPath,
          message: `"${document.type}/${document.name}" holds an encrypted value at ${fieldPath} but no data key; save the secret again.`,
        });
      }
      return cipher.open(
        {
          documentId: document.id,
          fieldPath,
          fieldPathSegments: segments,
          dataKey: document.dataKey,
        },
        sealed,
      );
    });
  });
  setSealedOrigin(value, {
    documentId: document.id,
    fieldPath,
    fieldPathSegments: segments,
    sealed,
  });
  return value;
}

/** The one place a stored secret reference becomes a value. */
function secretReference(reference: string, store: BlockStore): SecretValue {
  return SecretValue.reference(reference, { store });
}

function checkVersions(definition: BlockTypeDefinition, stored: StoredDocument): void {
  const installed = versionOf(definition);
  const writer = stored.package;
  const local = definition.package;
  if (stored.schemaVersion === installed && (!writer || writer.version === local?.version)) return;
  const slug = slugOf(stored);
  if (
    writer &&
    local &&
    writer.name === local.name &&
    semver.valid(writer.version) &&
    semver.valid(local.version) &&
    semver.major(writer.version) > semver.major(local.version)
  ) {
    throw new IntegrationTooOldError({
      slug,
      packageName: writer.name,
      writtenBy: writer.version,
      installed: local.version,
    });
  }
  if (
    semver.valid(stored.schemaVersion) &&
    semver.valid(installed) &&
    semver.major(stored.schemaVersion) > semver.major(installed)
  ) {
    const install = writer
      ? `${writer.name}@^${writer.version}`
      : `the code that defines "${definition.type}" at schema version ${stored.schemaVersion} or later`;
    throw new SchemaTooNewError({
      slug,
      storedVersion: stored.schemaVersion,
      installedVersion: installed,
      install,
    });
  }
}
