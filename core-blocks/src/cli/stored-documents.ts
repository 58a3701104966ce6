import { formatSlug } from "../block/slug.js";
import { BlockNotFoundError, UnknownBlockTypeError } from "../errors/index.js";
import { isDocumentLink } from "../protocol/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import {
  isSealedSecret,
  isServerKeyedCipher,
  SECRET_MASK,
  type SecretCipher,
} from "../secrets/index.js";
import type {
  BlockStore,
  BlockTypeRecord,
  DocumentSummary,
  StoredDocument,
} from "../store/index.js";

/** The naming rule, checked here so that valid slugs never load the block layer (and zod). */
const slugPartPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Checks a type slug or a document name. A valid one returns at once; an invalid one is explained
 * by the block layer's own check (`INVALID_SLUG`, saying which rule broke).
 */
export async function checkSlugPart(text: string, what: "type slug" | "name"): Promise<string> {
  if (text.length > 0 && text.length <= 128 && slugPartPattern.test(text)) return text;
  const { assertSlugPart } = await import("../block/index.js");
  return assertSlugPart(text, what);
}

/** Splits and checks `type/name` (`INVALID_SLUG` from the block layer when it breaks a rule). */
export async function parseSlug(slug: string): Promise<{ type: string; name: string }> {
  const parts = slug.split("/");
  if (parts.length === 2 && slugPartPattern.test(parts[0]!) && slugPartPattern.test(parts[1]!)) {
    if (parts[0]!.length <= 128 && parts[1]!.length <= 128)
      return { type: parts[0]!, name: parts[1]! };
  }
  const block = await import("../block/index.js");
  return block.parseSlug(slug);
}

/** Every document summary in the store (all pages), optionally of one type. */
export async function listAllDocuments(
  store: BlockStore,
  type?: string,
): Promise<DocumentSummary[]> {
  const documents: DocumentSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ type, limit: 1000, cursor });
    documents.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return documents;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[right.length]!;
}

/** Saved slugs that look like `slug`, closest first (at most three). */
async function closeSlugs(store: BlockStore, slug: string): Promise<string[]> {
  const all = await listAllDocuments(store);
  return all
    .map((document) => formatSlug(document.type, document.name))
    .map((candidate) => ({ candidate, distance: editDistance(candidate, slug) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(slug.length / 4)))
    .sort((left, right) => left.distance - right.distance)
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

/** The stored document (newest, or the given revision), or `BLOCK_NOT_FOUND` with close matches. */
export async function requireDocument(
  store: BlockStore,
  slug: string,
  revision?: number,
): Promise<StoredDocument> {
  const ref = await parseSlug(slug);
  const document = await store.get(ref, revision === undefined ? undefined : { revision });
  if (document) return document;
  if (revision !== undefined && (await store.get(ref))) {
    throw new BlockNotFoundError({ slug, closeMatches: [], revision });
  }
  throw new BlockNotFoundError({ slug, closeMatches: await closeSlugs(store, slug) });
}

/** The recorded block type, or `UNKNOWN_BLOCK_TYPE` suggesting the recorded types close to it. */
export async function requireBlockType(store: BlockStore, type: string): Promise<BlockTypeRecord> {
  await checkSlugPart(type, "type slug");
  const record = await store.getBlockType(type);
  if (!record) throw new UnknownBlockTypeError({ type, closeTypes: await closeTypes(store, type) });
  return record;
}

/** Block types recorded in the store or registered in this process that are close to `type`. */
export async function closeTypes(store: BlockStore, type: string): Promise<string[]> {
  const { closeMatches, listBlockTypes } = await import("../block/index.js");
  const known = new Set([
    ...(await store.listBlockTypes()).map((record) => record.type),
    ...listBlockTypes().map((blockClass) => blockClass.type),
  ]);
  known.delete(type);
  return closeMatches(type, known);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What to do with a sealed value found at a field path while walking stored data. */
export type SealedVisitor = (
  path: string,
  sealed: { $sealed: string },
  segments: readonly string[],
) => Promise<JsonValue>;

/**
 * Copies stored data for display: sealed secrets go through `onSealed` (masking by default),
 * references to other documents show the slug they point to (`{ "$ref": "aws-credentials/prod" }`),
 * or `{ "$missing": "<id>" }` when that document was deleted with --force.
 */
export async function presentData(
  store: BlockStore,
  data: JsonObject,
  onSealed: SealedVisitor = async () => SECRET_MASK,
): Promise<JsonObject> {
  const referenceIds = new Set<string>();
  const collect = (value: JsonValue) => {
    if (isDocumentLink(value)) referenceIds.add(value.$ref);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (isObject(value)) Object.values(value).forEach(collect);
  };
  collect(data);
  const referenced = referenceIds.size > 0 ? await store.getMany([...referenceIds]) : new Map();
  const walk = async (
    value: JsonValue,
    path: string,
    segments: readonly string[] = [],
  ): Promise<JsonValue> => {
    if (isSealedSecret(value)) return onSealed(path, value, segments);
    if (isDocumentLink(value)) {
      const target = referenced.get(value.$ref) as StoredDocument | undefined;
      // A link to a block deleted with --force shows the id it pointed to, never a made-up slug.
      return target ? { $ref: formatSlug(target.type, target.name) } : { $missing: value.$ref };
    }
    if (Array.isArray(value)) {
      return Promise.all(
        value.map((item, index) =>
          walk(item, path ? `${path}.${index}` : `${index}`, [...segments, String(index)]),
        ),
      );
    }
    if (isObject(value)) {
      const copy: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        copy[key] = await walk(item, path ? `${path}.${key}` : key, [...segments, key]);
      }
      return copy;
    }
    return value;
  };
  return (await walk(data, "")) as JsonObject;
}

/** A visitor that decrypts sealed values of `document` with `cipher`. */
export function revealWith(cipher: SecretCipher, document: StoredDocument): SealedVisitor {
  return async (path, sealed, segments) => {
    if (!document.dataKey && isServerKeyedCipher(cipher)) {
      // Sent by a server without its wrapped data key: the server is asked for it by id.
      const context = { documentId: document.id, fieldPath: path, fieldPathSegments: segments };
      return cipher.openWithoutDataKey(context, sealed);
    }
    if (!document.dataKey) return SECRET_MASK;
    return cipher.open(
      {
        documentId: document.id,
        fieldPath: path,
        fieldPathSegments: segments,
        dataKey: document.dataKey,
      },
      sealed,
    );
  };
}

/** The JSON shape of a stored document in `--json` output (stable; see the README). */
export function documentJson(document: StoredDocument, data: JsonObject): JsonObject {
  const json: JsonObject = {
    slug: formatSlug(document.type, document.name),
    id: document.id,
    type: document.type,
    name: document.name,
    revision: document.revision,
    schemaVersion: document.schemaVersion,
    schemaChecksum: document.schemaChecksum,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    data,
  };
  if (document.package) {
    json.package = {
      name: document.package.name,
      version: document.package.version,
      coreRange: document.package.coreRange,
    };
  }
  if (document.actor !== undefined) json.actor = document.actor;
  return json;
}

/** A timestamp for tables: `2026-11-25 07:40:12` (UTC). */
export function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}
