import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import ignore from "ignore";
import { FileNotFoundError } from "../errors/index.js";

/** Runs a local file system call, turning a missing file or folder into `FILE_NOT_FOUND`. */
export async function localFile<T>(localPath: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new FileNotFoundError({
        path: localPath,
        location: "the local file system",
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Streams `source` into a local file that appears whole or not at all: the bytes go to a hidden
 * file beside it (mode 0600), renamed over `localPath` once complete and removed on failure.
 */
export async function writeLocalFileAtomically(
  localPath: string,
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
): Promise<string> {
  const partial = join(
    dirname(localPath),
    `.${basename(localPath)}.${randomBytes(6).toString("hex")}.partial`,
  );
  try {
    await pipeline(source, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, localPath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return localPath;
}

/** A file found under a local folder: its absolute path and its `/`-separated relative path. */
export interface LocalFolderFile {
  localPath: string;
  relativePath: string;
}

/** The file in a folder whose gitignore-style patterns folder uploads skip. */
export const TESSERA_IGNORE_FILE = ".tesseraignore";

/** Options of `listLocalFolder`. */
export interface ListLocalFolderOptions {
  /**
   * Patterns of files to leave out, in gitignore syntax (`*.log`, `build/`, `!keep.log`),
   * matched against paths relative to the folder. A `.tesseraignore` file at the folder's top
   * adds its patterns (and is itself left out).
   * @default [] (only the `.tesseraignore` patterns, when the file exists)
   */
  ignore?: readonly string[];
}

/**
 * Every regular file under a local folder, recursively (symbolic links and other non-files are
 * skipped), with its path relative to the folder in `/` form, except those the ignore patterns
 * match. A missing folder is `FILE_NOT_FOUND`.
 */
export async function listLocalFolder(
  localDirectory: string,
  options: ListLocalFolderOptions = {},
): Promise<LocalFolderFile[]> {
  const entries = await localFile(localDirectory, () =>
    readdir(localDirectory, { recursive: true, withFileTypes: true }),
  );
  const ignoreFile = await readFile(join(localDirectory, TESSERA_IGNORE_FILE), "utf8").catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    },
  );
  const matcher = ignore().add([...(options.ignore ?? [])]);
  if (ignoreFile !== undefined) matcher.add(ignoreFile).add(`/${TESSERA_IGNORE_FILE}`);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const localPath = join(entry.parentPath, entry.name);
      return { localPath, relativePath: relative(localDirectory, localPath).split(sep).join("/") };
    })
    .filter((file) => !matcher.ignores(file.relativePath));
}
