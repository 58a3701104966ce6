import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

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

  constructor(specifier: string, reason: string) {
    super(
      InvalidIntegrationError.code,
      `"${specifier}" is not a usable Tessera integration: ${reason}`,
    );
    this.specifier = specifier;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is InvalidIntegrationError {
    return isTesseraErrorWithCode(value, InvalidIntegrationError.code);
  }
}
