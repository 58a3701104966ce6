import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A write whose path collides with what is already there in a way the file system cannot hold:
 * a local folder has a file and a folder of one name (`reports` and `reports/2024.json`), which
 * object stores such as S3 allow.
 */
export class PathConflictError extends TesseraError {
  static readonly code = "PATH_CONFLICT";
  /** The resolved path, relative to the file system's base folder. */
  readonly path: string;
  /** Where the file system writes: a folder, a bucket and folder, a container. */
  readonly location: string;

  constructor(details: { path: string; location: string; reason: string } & TesseraErrorOptions) {
    const { path, location, reason } = details;
    super(
      PathConflictError.code,
      `Cannot write "${path}" in ${location}: ${reason}. ${details.advice ?? "A local folder cannot hold a file and a folder of one name: write to another path, or delete what is in the way."}`,
      details,
    );
    this.path = path;
    this.location = location;
  }

  static override isInstance(value: unknown): value is PathConflictError {
    return isTesseraErrorWithCode(value, PathConflictError.code);
  }
}
