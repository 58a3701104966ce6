import { join } from "node:path";
import { InvalidResultStorageError, TesseraError } from "../errors/index.js";
import { ensureTesseraHome } from "../store/index.js";
import { LocalFileSystem } from "./local-file-system.js";
import type { WritableFileSystem } from "./writable-file-system.js";

/** Result storage as a setting: a file system (a storage block instance) or a saved block's slug. */
export type ResultStorageSetting = WritableFileSystem | string;

const requiredMethods = [
  "readPath",
  "createReadStream",
  "writePath",
  "exists",
  "delete",
  "list",
] as const;

let configured: ResultStorageSetting | undefined;

/**
 * Sets the storage that results go to when a `ResultStore` (or `persisted`) is given none: a
 * storage block instance or a slug such as `"s3-bucket/results"`. `undefined` goes back to the
 * environment: `TESSERA_RESULT_STORAGE=<slug>`, else a LocalFileSystem at `$TESSERA_HOME/results`.
 */
export function setDefaultResultStorage(storage: ResultStorageSetting | undefined): void {
  configured = storage;
}

/** What `setDefaultResultStorage` set, if anything. */
export function getConfiguredResultStorage(): ResultStorageSetting | undefined {
  return configured;
}

/**
 * The result storage in effect: what `setDefaultResultStorage` set, else the block named by
 * `TESSERA_RESULT_STORAGE`, else a LocalFileSystem at `$TESSERA_HOME/results`.
 */
export function resolveDefaultResultStorage(): Promise<WritableFileSystem> {
  return resolveResultStorage(undefined);
}

/** Whether a value implements every method of `WritableFileSystem`. */
function isWritableFileSystem(value: unknown): value is WritableFileSystem {
  return (
    typeof value === "object" &&
    value !== null &&
    requiredMethods.every(
      (method) => typeof (value as Record<string, unknown>)[method] === "function",
    )
  );
}

/**
 * Turns a storage setting into a file system: an instance is checked and used as is, a slug is
 * loaded through the block registry (`loadBlock`), nothing means the default result storage.
 */
export async function resolveResultStorage(
  storage: ResultStorageSetting | undefined,
): Promise<WritableFileSystem> {
  const fromEnvironment = storage === undefined && configured === undefined;
  const chosen = storage ?? configured ?? (process.env.TESSERA_RESULT_STORAGE || undefined);
  if (chosen === undefined)
    return new LocalFileSystem({ basePath: join(ensureTesseraHome(), "results") });
  if (typeof chosen !== "string") {
    if (!isWritableFileSystem(chosen)) {
      const missing = requiredMethods.filter(
        (method) => typeof (chosen as unknown as Record<string, unknown>)[method] !== "function",
      );
      throw new InvalidResultStorageError({
        storage: "The given storage",
        reason: `it lacks ${missing.join(", ")}`,
      });
    }
    return chosen;
  }
  const { loadBlock } = await import("../block/index.js");
  const named = fromEnvironment
    ? `The block "${chosen}" named by TESSERA_RESULT_STORAGE`
    : `The block "${chosen}"`;
  let block: unknown;
  try {
    block = await loadBlock(chosen);
  } catch (error) {
    // A slug typed into the environment is far from the code that fails: say where it came from.
    if (!fromEnvironment || !TesseraError.isInstance(error)) throw error;
    throw new InvalidResultStorageError({
      storage: `TESSERA_RESULT_STORAGE="${chosen}"`,
      reason: `${error.message.replace(/\.$/, "")} (${error.code}). Set it to the slug of a saved storage block, or unset it to keep results in $TESSERA_HOME/results`,
      cause: error,
    });
  }
  if (!isWritableFileSystem(block)) {
    throw new InvalidResultStorageError({
      storage: named,
      reason: "its type does not implement readPath, writePath, exists, delete and list",
    });
  }
  return block;
}
