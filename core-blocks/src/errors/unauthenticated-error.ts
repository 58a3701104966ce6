import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A request to `tessera server` came without an API token, or with one the server does not know. */
export class UnauthenticatedError extends TesseraError {
  static readonly code = "UNAUTHENTICATED";

  constructor(details: TesseraErrorOptions = {}) {
    super(
      UnauthenticatedError.code,
      `The server needs a valid API token for this request. ${details.advice ?? "Set TESSERA_API_KEY to a token made by `tessera token create` (sent as Authorization: Bearer <token>)."}`,
      details,
    );
  }

  static override isInstance(value: unknown): value is UnauthenticatedError {
    return isTesseraErrorWithCode(value, UnauthenticatedError.code);
  }
}
