import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A storage path that would leave the file system's base folder, or that no backend can store
 * safely: a `..` segment, NUL or another control character, a backslash, a percent-encoded dot or
 * separator, or a path that names no file at all.
 */
export class PathOutsideBaseError extends TesseraError {
  static readonly code = "PATH_OUTSIDE_BASE";
  /** The path the caller passed, JSON-quoted with control characters escaped so it prints safely. */
  readonly path: string;
  /** Which rule it broke, in words. */
  readonly reason: string;

  constructor(details: { path: string; reason: string } & TesseraErrorOptions) {
    const { path, reason } = details;
    const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
    super(
      PathOutsideBaseError.code,
      `Storage path ${shown} is refused: ${reason}. ${details.advice ?? 'Paths are relative to the storage block\'s base folder: use "/"-separated names without "..", backslashes or control characters (for example "reports/2024/summary.json").'}`,
      details,
    );
    this.path = shown;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is PathOutsideBaseError {
    return isTesseraErrorWithCode(value, PathOutsideBaseError.code);
  }
}
