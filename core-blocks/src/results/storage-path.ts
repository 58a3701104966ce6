import { PathOutsideBaseError } from "../errors/index.js";

/*
 * The one path resolver every WritableFileSystem uses. It turns what a caller wrote into a key
 * relative to the file system's base folder; implementations join their base folder to that key
 * exactly once (`StoragePathResolver.location`). Because the resolver's output is a fixed point
 * (resolving a key again gives the same key) and never contains the base folder, a key that is
 * handed back to `writePath` or `readPath` names the same file: `folder/folder/key` cannot happen.
 *
 * Rules, in order:
 * - the path is split on `/`; empty segments (`a//b`, a leading or trailing `/`) and `.`
 *   segments are dropped, so `a//b`, `./a/b`, `/a/b` and `a/b/` all give `a/b`;
 * - a `..` segment is refused, even when it would stay inside the base (`a/../b`): keys are
 *   names, not walks;
 * - NUL, every other C0/C1 control character, DEL, backslashes and unpaired UTF-16 surrogates are
 *   refused anywhere;
 * - a `%` is an ordinary character (keys are never URL-decoded by Tessera), but a segment that
 *   percent-decodes (repeatedly) to `.` or `..`, or to something holding `/`, `\` or a control
 *   character, is refused, so no layer that decodes keys can turn a key into an escape;
 * - nothing else is rewritten: case and Unicode normalisation are kept as given.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const forbiddenCharacters = /[\u0000-\u001f\u007f-\u009f\\]/;
const loneSurrogate = /[\uD800-\uDFFF]/u;
const percentByte = /%([0-9a-fA-F]{2})/g;

function describeCharacter(character: string): string {
  if (character === "\\") return "a backslash";
  if (character === "\u0000") return "a NUL character";
  return `the control character U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function percentDecoded(segment: string): string {
  let current = segment;
  // Each round shortens the text, so this ends; decoding stops at a fixed point.
  for (;;) {
    const next = current.replace(percentByte, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (next === current) return current;
    current = next;
  }
}

function checkCharacters(path: string): void {
  const forbidden = forbiddenCharacters.exec(path);
  if (forbidden)
    throw new PathOutsideBaseError({
      path,
      reason: `it contains ${describeCharacter(forbidden[0])}`,
    });
  if (loneSurrogate.test(path)) {
    throw new PathOutsideBaseError({
      path,
      reason: "it contains an unpaired UTF-16 surrogate, which has no UTF-8 form",
    });
  }
}

function resolveSegments(path: string): string[] {
  if (typeof path !== "string") {
    throw new PathOutsideBaseError({
      path: String(path),
      reason: `it is a ${typeof path}, not a string`,
    });
  }
  checkCharacters(path);
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") throw new PathOutsideBaseError({ path, reason: 'it has a ".." segment' });
    if (segment.includes("%")) {
      const decoded = percentDecoded(segment);
      if (decoded === "." || decoded === "..") {
        throw new PathOutsideBaseError({
          path,
          reason: `its segment "${segment}" is a percent-encoded "${decoded}"`,
        });
      }
      if (decoded.includes("/") || forbiddenCharacters.test(decoded)) {
        throw new PathOutsideBaseError({
          path,
          reason: `its segment "${segment}" percent-encodes a separator or a control character`,
        });
      }
    }
    segments.push(segment);
  }
  return segments;
}

/**
 * Resolves a caller's path to a file key relative to the base folder: `/`-separated, no leading
 * or trailing `/`, no empty, `.` or `..` segments. Idempotent. Throws `PATH_OUTSIDE_BASE` for an
 * escape (`..`, NUL, control characters, backslashes, encoded dots or separators) and for a path
 * that names no file (``, `/`, `.`).
 */
export function resolveStoragePath(path: string): string {
  const segments = resolveSegments(path);
  if (segments.length === 0) {
    throw new PathOutsideBaseError({ path, reason: "it names the base folder itself, not a file" });
  }
  return segments.join("/");
}

/**
 * Resolves a listing prefix: the same rules as `resolveStoragePath`, but `""` (everything) is
 * allowed and a trailing `/` is kept, because `reports/` (the folder) and `reports` (also
 * `reports-old/…`) select different files.
 */
export function resolveStoragePrefix(prefix = ""): string {
  const segments = resolveSegments(prefix);
  if (segments.length === 0) return "";
  const joined = segments.join("/");
  const last = prefix.slice(prefix.lastIndexOf("/") + 1);
  return last === "" || last === "." ? `${joined}/` : joined;
}

/**
 * Resolves a storage block's base folder (`bucketFolder`, `baseFolder`): the same rules as a path,
 * `""` meaning the root. Returned without a trailing `/`.
 */
export function resolveBaseFolder(baseFolder = ""): string {
  return resolveSegments(baseFolder).join("/");
}

/**
 * Maps keys to backend locations for one base folder, joining the folder exactly once. S3, GCS and
 * Azure blocks build one from their folder field and use it for every call; a local file system
 * joins `key()` to its base directory instead.
 */
export class StoragePathResolver {
  /** The resolved base folder, `""` for the root, never with a trailing `/`. */
  readonly baseFolder: string;

  constructor(baseFolder = "") {
    this.baseFolder = resolveBaseFolder(baseFolder);
  }

  /** The key of a caller's path, relative to the base folder (see `resolveStoragePath`). */
  key(path: string): string {
    return resolveStoragePath(path);
  }

  /** The backend location (object key) of a caller's path: base folder + `/` + key. */
  location(path: string): string {
    const key = resolveStoragePath(path);
    return this.baseFolder === "" ? key : `${this.baseFolder}/${key}`;
  }

  /** The backend prefix to list for a caller's prefix. */
  listPrefix(prefix = ""): string {
    const resolved = resolveStoragePrefix(prefix);
    if (this.baseFolder === "") return resolved;
    return `${this.baseFolder}/${resolved}`;
  }

  /**
   * The key of a backend location found by a listing, or `undefined` when the location is not a
   * file under the base folder (another folder's object, a folder marker, an unsafe name).
   */
  keyFromLocation(location: string): string | undefined {
    let relative = location;
    if (this.baseFolder !== "") {
      if (!location.startsWith(`${this.baseFolder}/`)) return undefined;
      relative = location.slice(this.baseFolder.length + 1);
    }
    try {
      const key = resolveStoragePath(relative);
      return key === relative ? key : undefined;
    } catch {
      return undefined;
    }
  }
}
