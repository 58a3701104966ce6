import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * The store's database server could not be reached, or the connection was lost during a call
 * (the server restarted, an administrator ended the session, the network failed). A write that
 * failed this way was rolled back by the server, unless the connection was lost while its commit
 * was under way: then load the document to see whether it was saved.
 */
export class DatabaseUnavailableError extends TesseraError {
  static readonly code = "DATABASE_UNAVAILABLE";
  /** Where the store lives (a URL without credentials). */
  readonly location: string;
  /** The driver's or system's error code, such as `ECONNREFUSED` or `57P01`. */
  readonly driverCode: string;

  constructor(details: { location: string; driverCode: string } & TesseraErrorOptions) {
    const { location, driverCode } = details;
    super(
      DatabaseUnavailableError.code,
      `The block store database "${location}" could not be reached or the connection was lost (${driverCode}). A write in progress was rolled back, unless the connection was lost during its commit. ${details.advice ?? "Check that the server is running and reachable, then retry; the next call opens a new connection."}`,
      details,
    );
    this.location = location;
    this.driverCode = driverCode;
  }

  static override isInstance(value: unknown): value is DatabaseUnavailableError {
    return isTesseraErrorWithCode(value, DatabaseUnavailableError.code);
  }
}
