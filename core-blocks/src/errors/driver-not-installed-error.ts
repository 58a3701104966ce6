import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The selected block store needs a database driver that is not installed (it is an optional peer
 * dependency of `@tessera/core`, so processes that never use the backend never install or load it).
 */
export class DriverNotInstalledError extends TesseraError {
  static readonly code = "DRIVER_NOT_INSTALLED";
  /** The npm package the backend needs, such as `pg`. */
  readonly packageName: string;
  /** The version range to install, such as `^8.23.1`. */
  readonly packageRange: string;
  /** The backend that needs it, such as `PostgreSQL`. */
  readonly backend: string;

  constructor(
    details: { packageName: string; packageRange: string; backend: string } & TesseraErrorOptions,
  ) {
    const { packageName, packageRange, backend } = details;
    super(
      DriverNotInstalledError.code,
      `The ${backend} block store needs the "${packageName}" package, which is not installed. ${details.advice ?? `Install it next to @tessera/core (npm install ${packageName}@${packageRange}), or unset TESSERA_DATABASE_URL to use the embedded SQLite store.`}`,
      details,
    );
    this.packageName = packageName;
    this.packageRange = packageRange;
    this.backend = backend;
  }

  static override isInstance(value: unknown): value is DriverNotInstalledError {
    return isTesseraErrorWithCode(value, DriverNotInstalledError.code);
  }
}
