import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A storage path that holds no file. */
export class FileNotFoundError extends TesseraError {
  static readonly code = "FILE_NOT_FOUND";
  /** The resolved path, relative to the file system's base folder. */
  readonly path: string;
  /** Where the file system looked: a folder, a bucket and folder, a container. */
  readonly location: string;

  constructor(details: { path: string; location: string } & TesseraErrorOptions) {
    const { path, location } = details;
    super(
      FileNotFoundError.code,
      `No file at "${path}" in ${location}. ${details.advice ?? "Check the path (list what is there with `list(prefix)`), or write it first."}`,
      details,
    );
    this.path = path;
    this.location = location;
  }

  static override isInstance(value: unknown): value is FileNotFoundError {
    return isTesseraErrorWithCode(value, FileNotFoundError.code);
  }
}
