import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** The master key file can be read by other users; it is refused until its mode is 0600. */
export class KeyFilePermissionsError extends TesseraError {
  static readonly code = "KEY_FILE_PERMISSIONS";
  /** The key file. */
  readonly path: string;
  /** Its permission bits, in octal (such as `644`). */
  readonly mode: string;
  /** The command that fixes it. */
  readonly fix: string;

  constructor(details: { path: string; mode: number } & TesseraErrorOptions) {
    const { path, mode } = details;
    const octal = (mode & 0o777).toString(8).padStart(3, "0");
    const fix = `chmod 600 ${/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`}`;
    super(
      KeyFilePermissionsError.code,
      `The master key file ${path} has mode ${octal}, so other users may read it; Tessera refuses to use it. ${details.advice ?? `Fix it with: ${fix}`}`,
      details,
    );
    this.path = path;
    this.mode = octal;
    this.fix = fix;
  }

  static override isInstance(value: unknown): value is KeyFilePermissionsError {
    return isTesseraErrorWithCode(value, KeyFilePermissionsError.code);
  }
}
