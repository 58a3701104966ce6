import { AsyncLocalStorage } from "node:async_hooks";
import { SecretReferenceError, TesseraError } from "../errors/index.js";
import { logDebug } from "../log/index.js";
import { isDocumentLink, isSecretReferenceMarker } from "../protocol/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import { type BlockStore, getDefaultStore } from "../store/index.js";
import { redact } from "./redactor.js";
import type { ReadSecretOptions } from "./secret-source.js";

/** A parsed secret reference. */
export type ParsedSecretReference =
  /** `env:NAME`: an environment variable, read on every reveal (never cached). */
  | { kind: "environment"; variable: string }
  /**
   * `<type>/<name>`: a saved block with the `secret-source` capability (`secret/<name>`
   * included), optionally pinned to a version: `?versionId=<id>` (or `?version=<id>`, the same
   * pin) and/or `?versionStage=<label>` passed to `readSecret()`; for `secret/<name>`,
   * `?versionId=<n>` reads revision n.
   */
  | { kind: "block"; type: string; name: string; slug: string; options: ReadSecretOptions };

/** Settings of secret reference resolution (`configureSecretReferences`). */
export interface SecretReferenceSettings {
  /**
   * How long a value read through a block reference is reused, in milliseconds, measured on a
   * monotonic clock. `0` turns the cache off. Environment references are never cached. Read once
   * from `TESSERA_SECRET_CACHE_TTL` (seconds) when that is set.
   * @default 60_000
   */
  cacheTtlMs: number;
  /**
   * How many references may be followed in a chain (`secret/a` holding a reference to
   * `secret/b` …) before resolution stops with an error.
   * @default 8
   */
  maxDepth: number;
}

const SLUG_PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION_VALUE = /^[A-Za-z0-9_.:-]{1,256}$/;

/**
 * True for an environment variable that `env:NAME` references and `{{ env.NAME }}` placeholders
 * may never read: every `TESSERA_*` variable (in any case). That namespace holds Tessera's own
 * settings, among them its keys and credentials (`TESSERA_ENCRYPTION_KEY`, `TESSERA_API_KEY`,
 * `TESSERA_DATABASE_URL`), which must not be reachable through a value stored in a block.
 */
export function isTesseraVariable(variable: string): boolean {
  return /^TESSERA_/i.test(variable);
}

function defaultTtl(): number {
  const seconds = Number(process.env.TESSERA_SECRET_CACHE_TTL);
  return process.env.TESSERA_SECRET_CACHE_TTL !== undefined &&
    Number.isFinite(seconds) &&
    seconds >= 0
    ? seconds * 1000
    : 60_000;
}

const settings: SecretReferenceSettings = { cacheTtlMs: defaultTtl(), maxDepth: 8 };

/** Changes how secret references resolve (cache TTL, chain depth); returns the settings now in force. */
export function configureSecretReferences(
  changes: Partial<SecretReferenceSettings>,
): SecretReferenceSettings {
  if (changes.cacheTtlMs !== undefined) settings.cacheTtlMs = Math.max(0, changes.cacheTtlMs);
  if (changes.maxDepth !== undefined) settings.maxDepth = Math.max(1, changes.maxDepth);
  return { ...settings };
}

/**
 * Parses `env:NAME`, `secret/<name>` or `<type>/<name>`. Anything else is
 * `SECRET_REFERENCE_UNRESOLVED` naming the reference and the accepted forms.
 */
export function parseSecretReference(reference: string): ParsedSecretReference {
  if (typeof reference !== "string") {
    throw new SecretReferenceError({ reference: String(reference), problem: "is not a string." });
  }
  if (reference.startsWith("env:")) {
    const variable = reference.slice(4);
    if (!VARIABLE.test(variable)) {
      throw new SecretReferenceError({
        reference,
        problem:
          "is not a valid environment reference: use env:NAME with letters, digits and underscores (for example env:DATABASE_PASSWORD).",
      });
    }
    if (isTesseraVariable(variable)) {
      throw new SecretReferenceError({
        reference,
        problem: `names ${variable}, one of Tessera's own settings, which references never read (they hold its keys and credentials). Put the secret in a variable of your own, or in a Secret block.`,
      });
    }
    return { kind: "environment", variable };
  }
  const queryStart = reference.indexOf("?");
  const path = queryStart === -1 ? reference : reference.slice(0, queryStart);
  const options =
    queryStart === -1 ? {} : parseVersionQuery(reference, reference.slice(queryStart + 1));
  const parts = path.split("/");
  if (
    parts.length !== 2 ||
    !SLUG_PART.test(parts[0]!) ||
    !SLUG_PART.test(parts[1]!) ||
    parts[1]!.length > 128 ||
    parts[0]!.length > 128
  ) {
    throw new SecretReferenceError({
      reference,
      problem:
        'is not a valid reference: use "secret/<name>", "env:NAME" or "<type>/<name>" of a block with the secret-source capability (lower-case letters, digits and single hyphens).',
    });
  }
  if (parts[0] === "secret" && options.versionStage !== undefined) {
    throw new SecretReferenceError({
      reference,
      problem:
        "pins a versionStage, which Secret blocks do not have: pin a revision with ?versionId=<n>.",
    });
  }
  if (
    parts[0] === "secret" &&
    options.versionId !== undefined &&
    !/^[1-9][0-9]{0,9}$/.test(options.versionId)
  ) {
    throw new SecretReferenceError({
      reference,
      problem:
        "pins a versionId that is not a revision number: for secret/<name> use ?versionId=<n> with n ≥ 1.",
    });
  }
  return { kind: "block", type: parts[0]!, name: parts[1]!, slug: path, options };
}

function parseVersionQuery(reference: string, query: string): ReadSecretOptions {
  const options: ReadSecretOptions = {};
  for (const pair of query.split("&")) {
    const [given, value, extra] = pair.split("=");
    // `version` is how Google's and Azure's secret stores name a version: the same pin.
    const key = given === "version" ? "versionId" : given;
    if (
      (key !== "versionId" && key !== "versionStage") ||
      value === undefined ||
      extra !== undefined ||
      !VERSION_VALUE.test(value) ||
      options[key] !== undefined
    ) {
      throw new SecretReferenceError({
        reference,
        problem:
          "has an invalid version pin: use ?versionId=<id> (or ?version=<id>) and/or ?versionStage=<label> (letters, digits, '.', '_', ':' and '-'), each at most once.",
      });
    }
    options[key] = value;
  }
  return options;
}

interface CacheEntry {
  value: Promise<JsonValue>;
  /** When the value was read (monotonic ms); it is fresh while younger than the TTL in force. */
  readAt: number;
  /** True once `value` has fulfilled. A pending entry is shared only by reveals outside a chain. */
  settled: boolean;
}

const caches = new WeakMap<BlockStore, Map<string, CacheEntry>>();
const chain = new AsyncLocalStorage<string[]>();

/** Bumped by `clearSecretReferenceCache()` without a store: every cache older than it is dropped. */
let cacheGeneration = 0;
const generations = new WeakMap<BlockStore, number>();

/**
 * Forgets cached reference values: of one store, or of every store. Saving a `Secret` block
 * calls it, so a process sees its own writes at once.
 */
export function clearSecretReferenceCache(store?: BlockStore): void {
  if (store) caches.delete(store);
  else cacheGeneration += 1;
}

function cacheOf(store: BlockStore): Map<string, CacheEntry> {
  let cache = caches.get(store);
  if (!cache || generations.get(store) !== cacheGeneration) {
    cache = new Map();
    caches.set(store, cache);
    generations.set(store, cacheGeneration);
  }
  return cache;
}

/** Options of `resolveSecretReference`. */
export interface ResolveSecretReferenceOptions {
  /** The store holding the referenced blocks. @default getDefaultStore() */
  store?: BlockStore;
  /** Overrides the cache TTL for this call (ms). @default the configured `cacheTtlMs` */
  cacheTtlMs?: number;
}

/**
 * Resolves a secret reference to its value: an environment variable, or `readSecret()` of the
 * referenced block (a `secret/<name>` block or any block with the `secret-source` capability),
 * loaded through the registry. Values read through blocks are cached for `cacheTtlMs`. Errors name
 * the reference, never a value: `SECRET_REFERENCE_UNRESOLVED` for a missing block, an unset
 * variable, a block that is not a secret source, or a reference chain that loops.
 */
export async function resolveSecretReference(
  reference: string,
  options: ResolveSecretReferenceOptions = {},
): Promise<JsonValue> {
  const parsed = parseSecretReference(reference);
  if (parsed.kind === "environment") {
    // Own properties only: `env:constructor` must not reach Object.prototype.
    const value = Object.hasOwn(process.env, parsed.variable)
      ? process.env[parsed.variable]
      : undefined;
    if (typeof value !== "string") {
      throw new SecretReferenceError({
        reference,
        problem: `names the environment variable ${parsed.variable}, which is not set in this process. Set it, or point the secret elsewhere.`,
      });
    }
    return value;
  }
  const seen = chain.getStore() ?? [];
  if (seen.includes(reference)) {
    throw new SecretReferenceError({
      reference,
      problem: `leads back to itself (${[...seen, reference].join(" → ")}). Make one of these secrets hold a value instead of a reference.`,
    });
  }
  if (seen.length >= settings.maxDepth) {
    throw new SecretReferenceError({
      reference,
      problem: `is reached through ${seen.length} references (${seen.join(" → ")}), more than the limit of ${settings.maxDepth}. Shorten the chain.`,
    });
  }
  const store = options.store ?? (await getDefaultStore());
  const ttl = options.cacheTtlMs ?? settings.cacheTtlMs;
  const cache = cacheOf(store);
  const now = performance.now();
  const cached = cache.get(reference);
  // A read still in progress is joined only by a reveal that is not itself part of a chain: a
  // read waiting on another pending read could wait on itself (two secrets that reference each
  // other, revealed at the same time), so inside a chain only finished values are reused and the
  // chain itself detects the cycle.
  if (ttl > 0 && cached && now - cached.readAt < ttl && (cached.settled || seen.length === 0)) {
    logDebug("secrets", "secret reference served from cache", { reference });
    return cached.value;
  }
  const value = chain.run([...seen, reference], () => readThroughBlock(reference, parsed, store));
  if (ttl > 0) {
    const entry: CacheEntry = { value, readAt: now, settled: false };
    cache.set(reference, entry);
    value.then(
      () => {
        entry.settled = true;
      },
      () => {
        if (cache.get(reference) === entry) cache.delete(reference);
      },
    );
  }
  return value;
}

interface SecretSourceLike {
  readSecret?: (options?: ReadSecretOptions) => Promise<JsonValue>;
  constructor: { capabilities?: readonly string[] };
}

async function readThroughBlock(
  reference: string,
  parsed: Extract<ParsedSecretReference, { kind: "block" }>,
  store: BlockStore,
): Promise<JsonValue> {
  logDebug("secrets", "resolving a secret reference", { reference, pinned: parsed.options });
  // Imported on use: the block layer imports this module, so a static import would be a cycle.
  const blocks = await import("../block/index.js");
  // Registers the `secret` block type, so `secret/<name>` loads even when nothing imported it yet.
  if (parsed.type === "secret") await import("../secret-block/index.js");
  let instance: SecretSourceLike;
  try {
    const revision =
      parsed.type === "secret" && parsed.options.versionId !== undefined
        ? { revision: Number(parsed.options.versionId) }
        : {};
    instance = (await blocks.loadBlock(parsed.slug, {
      store,
      ...revision,
    })) as unknown as SecretSourceLike;
  } catch (error) {
    if (TesseraError.isInstance(error) && error.code === "BLOCK_NOT_FOUND") {
      throw new SecretReferenceError({
        reference,
        problem: `names a block (or revision) that does not exist. Save it first (for a Secret block: tessera secret set ${parsed.type === "secret" ? parsed.name : "<name>"}), or fix the reference.`,
        cause: error,
      });
    }
    if (TesseraError.isInstance(error) && error.code !== "SECRET_REFERENCE_UNRESOLVED") {
      throw new SecretReferenceError({
        reference,
        problem: `could not be loaded: ${error.message}`,
        cause: error,
      });
    }
    throw error;
  }
  const capabilities = instance.constructor.capabilities ?? [];
  if (typeof instance.readSecret !== "function" || !capabilities.includes("secret-source")) {
    throw new SecretReferenceError({
      reference,
      problem: `names a block of type "${parsed.type}", which is not a secret source (it lacks the secret-source capability). Reference a secret/<name> block, an environment variable, or a secret-source block such as aws-secret/<name>.`,
    });
  }
  try {
    return await instance.readSecret(parsed.type === "secret" ? {} : parsed.options);
  } catch (error) {
    if (TesseraError.isInstance(error)) throw error;
    throw new SecretReferenceError({
      reference,
      problem: `could not be read from its source: ${redact(String((error as Error)?.message ?? error))}`,
      cause: scrubbedError(error),
    });
  }
}

/**
 * A copy of a foreign error with remembered secrets scrubbed from its message and stack, so the
 * `cause` of a Tessera error never carries a secret an upstream library echoed.
 */
function scrubbedError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redact(original.message));
  copy.name = original.name;
  copy.stack = redact(String(original.stack));
  const code = (original as { code?: unknown }).code;
  if (typeof code === "string") Object.assign(copy, { code });
  return copy;
}

/**
 * Checks the secret references (`{ "$reference": "…" }`) in a document about to be saved and
 * returns the ids of the documents they point at, so the store records them beside the saved
 * nested blocks: a referenced secret cannot then be deleted without force (`BLOCK_REFERENCED`),
 * and a reference that leads back to the document is a `REFERENCE_CYCLE`. A reference to a block
 * that does not exist (or a pinned revision of a Secret block that does not), or to a block whose
 * type lacks the `secret-source` capability, is refused with `SECRET_REFERENCE_UNRESOLVED`
 * naming the field. `env:NAME` references point at no document.
 */
export async function secretReferenceTargets(
  store: BlockStore,
  slug: string,
  data: JsonObject,
): Promise<string[]> {
  const found: Array<{ reference: string; fieldPath: string }> = [];
  collectReferences(data, [], found);
  const ids = new Set<string>();
  for (const { reference, fieldPath } of found) {
    const parsed = parseSecretReference(reference);
    if (parsed.kind !== "block") continue;
    const where = `(field ${fieldPath} of "${slug}")`;
    const revision =
      parsed.type === "secret" && parsed.options.versionId !== undefined
        ? { revision: Number(parsed.options.versionId) }
        : {};
    const target = await store.get({ type: parsed.type, name: parsed.name }, revision);
    if (!target) {
      throw new SecretReferenceError({
        reference,
        problem: `${where} names a block${"revision" in revision ? " revision" : ""} that does not exist, so "${slug}" was not saved. Save it first${parsed.type === "secret" ? ` (tessera secret set ${parsed.name})` : ""}, or fix the reference.`,
      });
    }
    const record = await store.getBlockType(parsed.type);
    if (record && !record.capabilities.includes("secret-source")) {
      throw new SecretReferenceError({
        reference,
        problem: `${where} names a block of type "${parsed.type}", which is not a secret source (it lacks the secret-source capability), so "${slug}" was not saved. Reference a secret/<name> block, an environment variable, or a secret-source block such as aws-secret/<name>.`,
      });
    }
    ids.add(target.id);
  }
  return [...ids];
}

/** The secret references (`{ "$reference": "…" }`) in a document, with the field path of each. */
export function secretReferencesIn(
  data: JsonValue,
): Array<{ reference: string; fieldPath: string }> {
  const found: Array<{ reference: string; fieldPath: string }> = [];
  collectReferences(data, [], found);
  return found;
}

function collectReferences(
  node: JsonValue,
  path: string[],
  found: Array<{ reference: string; fieldPath: string }>,
): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      path.push(String(index));
      collectReferences(node[index]!, path, found);
      path.pop();
    }
    return;
  }
  if (isSecretReferenceMarker(node)) {
    found.push({ reference: node.$reference, fieldPath: path.join(".") });
    return;
  }
  // Sealed secrets and nested-block markers hold no references.
  const keys = Object.keys(node);
  if (keys.includes("$sealed") || isDocumentLink(node)) return;
  for (const key of keys) {
    path.push(key);
    collectReferences(node[key]!, path, found);
    path.pop();
  }
}
