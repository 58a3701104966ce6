import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

/**
 * A module handed to `registerIntegration` / `registerModule` exports no integration manifest or
 * block class, or `defineIntegration` was called with a malformed name, version or core range.
 */
export class InvalidIntegrationError extends TesseraError {
  static readonly code = "INVALID_INTEGRATION";
  /** The package name or file path (or the manifest's name). */
  readonly specifier: string;
  /** What is wrong, in words. */
  readonly reason: string;

  constructor(details: { specifier: string; reason: string } & TesseraErrorOptions) {
    super(
      InvalidIntegrationError.code,
      withAdvice(
        `"${details.specifier}" is not a usable Tessera integration: ${details.reason}`,
        details,
      ),
      details,
    );
    this.specifier = details.specifier;
    this.reason = details.reason;
  }

  static override isInstance(value: unknown): value is InvalidIntegrationError {
    return isTesseraErrorWithCode(value, InvalidIntegrationError.code);
  }
}
