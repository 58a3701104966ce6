import { createHash } from "node:crypto";
import {
  InvalidInputError,
  ResultCorruptedError,
  ResultNotFoundError,
  SerializationFailedError,
  UnknownSerializerError,
} from "../errors/index.js";
import { canonicalJson } from "../schema/index.js";
import { tesseraHome } from "../store/index.js";
import { getConfiguredResultStorage } from "./default-result-storage.js";
import { ResultStore } from "./result-store.js";
import { encodeRich } from "./rich-encoding.js";
import { isWritableContent } from "./writable-content.js";

/** Settings of `persisted`. */
export interface PersistedOptions<Args extends unknown[]> {
  /** Where results go. @default a ResultStore over the default result storage */
  store?: ResultStore;
  /**
   * The result key: a fixed string, or a function of the call's arguments.
   * @default `persisted/<function name>/<hash of the function's identity and the arguments>` (see `persistedKey`)
   */
  key?: string | ((...args: Args) => string);
  /** Milliseconds a stored result stays fresh. @default undefined (never expires) */
  expiresIn?: number;
  /** Run the function and store its result even when a fresh one is stored. @default false */
  refresh?: boolean | ((...args: Args) => boolean);
  /**
   * Names this version of the function in the default key instead of its source text: results
   * are shared across edits (and bundlers' rewrites) until the version changes.
   * @default undefined (the source text, `fn.toString()`)
   */
  version?: string;
  /** Function name used in the default key. @default `fn.name`, else `anonymous` */
  name?: string;
}

/** The arguments as rich tagged JSON, or INVALID_INPUT saying why they cannot make a key. */
function encodeInputs(name: string, args: readonly unknown[]) {
  try {
    return encodeRich([...args], "persisted key");
  } catch (error) {
    if (!SerializationFailedError.isInstance(error)) throw error;
    const where = error.reason.replace(
      /\$\[(\d+)\]/,
      (_, index: string) => `argument ${Number(index) + 1}`,
    );
    throw new InvalidInputError({
      subject: "inputs",
      message: `persisted cannot make a cache key for "${name}" from its arguments: ${where} (keys are made from JSON values, Date, Map, Set, BigInt, undefined and typed arrays). Give persisted a \`key\` (a string, or a function of the arguments), or pass arguments of those kinds.`,
    });
  }
}

/** The version of the default-key recipe, hashed into every default key. */
const persistedKeyRecipe = "tessera.persisted/1";

function safeName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
  return cleaned === "" ? "anonymous" : cleaned;
}

/**
 * The default result key of a call: `persisted/<name>/<sha256 hex>`, where `<name>` is the
 * function's name with every run of characters other than `A-Z a-z 0-9 _ -` replaced by `-`
 * (at most 64 characters, `anonymous` when empty), and the hash is the SHA-256 of the UTF-8 bytes
 * of the RFC 8785 canonical JSON of
 *
 * ```json
 * { "recipe": "tessera.persisted/1",
 *   "function": { "name": <name as given>, "source": <fn.toString()> }   // or "version": <version>
 *   "inputs": <the arguments array, encoded as rich tagged JSON> }
 * ```
 *
 * Rich tagged JSON (see `encodeRich`) keeps `Date`, `Map`, `Set`, `BigInt`, `undefined`, typed
 * arrays and special numbers distinct, so different inputs never share a key; canonical JSON
 * sorts object keys, so `{a, b}` and `{b, a}` share one. The recipe uses nothing machine- or
 * process-specific: the same function and inputs give the same key everywhere. Two functions with
 * different names, sources or versions never share a key.
 */
export function persistedKey(
  fn: (...args: never[]) => unknown,
  args: readonly unknown[],
  options: { version?: string; name?: string } = {},
): string {
  const name = options.name ?? (fn.name || "anonymous");
  const identity =
    options.version === undefined
      ? { name, source: fn.toString() }
      : { name, version: options.version };
  const document = {
    recipe: persistedKeyRecipe,
    function: identity,
    inputs: encodeInputs(name, args),
  };
  const canonical = canonicalJson(document);
  if (canonical === undefined)
    throw new InvalidInputError({
      subject: "persisted",
      message: "The persisted key document has no JSON form.",
    });
  return `persisted/${safeName(name)}/${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}

const inFlight = new WeakMap<ResultStore, Map<string, Promise<unknown>>>();
let cachedDefault: { signature: unknown; store: ResultStore } | undefined;

/**
 * The ResultStore `persisted` uses when given none: JSON results in the default result storage
 * (`setDefaultResultStorage`, else `TESSERA_RESULT_STORAGE`, else `$TESSERA_HOME/results`). It is
 * rebuilt when one of those settings changes.
 */
function getDefaultResultStore(): ResultStore {
  const configured = getConfiguredResultStorage();
  const signature =
    configured ?? `${process.env.TESSERA_RESULT_STORAGE ?? ""}\u0000${tesseraHome()}`;
  if (cachedDefault?.signature !== signature) {
    cachedDefault = { signature, store: new ResultStore() };
  }
  return cachedDefault.store;
}

/**
 * Wraps a function so that its result is persisted: a call returns the stored result while it is
 * fresh, otherwise runs the function, stores what it returns (`expiresIn`) and returns it.
 * Concurrent calls with one key in one process run the function once and share its result. A
 * stored result that is corrupted, or written by a serializer this store does not know, is
 * recomputed and replaced. The result travels through the store's serializer, so use one that
 * carries its type (the `rich` serializer keeps `Date`, `Map`, …). Errors of the function are
 * not stored.
 *
 * ```ts
 * const dailyReport = persisted(async (day: string) => buildReport(day), { expiresIn: 86_400_000 });
 * await dailyReport("2024-06-01"); // runs buildReport
 * await dailyReport("2024-06-01"); // read back from storage
 * ```
 */
export function persisted<Args extends unknown[], Result>(
  fn: (...args: Args) => Result | Promise<Result>,
  options: PersistedOptions<Args> = {},
): (...args: Args) => Promise<Awaited<Result>> {
  return (...args: Args) => {
    const store = options.store ?? getDefaultResultStore();
    const key =
      typeof options.key === "function"
        ? options.key(...args)
        : (options.key ??
          persistedKey(fn as (...args: never[]) => unknown, args, {
            ...(options.version === undefined ? {} : { version: options.version }),
            ...(options.name === undefined ? {} : { name: options.name }),
          }));
    const refresh =
      typeof options.refresh === "function" ? options.refresh(...args) : options.refresh === true;
    let calls = inFlight.get(store);
    if (!calls) {
      calls = new Map();
      inFlight.set(store, calls);
    }
    const running = calls.get(key);
    if (running) return running as Promise<Awaited<Result>>;
    const call = (async (): Promise<Awaited<Result>> => {
      if (!refresh) {
        try {
          return await store.get<Awaited<Result>>(key);
        } catch (error) {
          const recompute =
            ResultNotFoundError.isInstance(error) ||
            ResultCorruptedError.isInstance(error) ||
            UnknownSerializerError.isInstance(error);
          if (!recompute) throw error;
        }
      }
      const result = await fn(...args);
      await store.put(
        key,
        result,
        options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn },
      );
      // A stream was consumed by the write: hand back the stored bytes instead.
      if (
        isWritableContent(result) &&
        typeof result !== "string" &&
        !(result instanceof Uint8Array)
      ) {
        return store.get<Awaited<Result>>(key);
      }
      return result;
    })();
    calls.set(key, call);
    const forget = () => {
      if (calls.get(key) === call) calls.delete(key);
    };
    call.then(forget, forget);
    return call;
  };
}
