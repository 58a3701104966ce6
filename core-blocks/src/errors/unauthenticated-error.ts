import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A request to `tessera server` came without an API token, or with one the server does not know. */
export class UnauthenticatedError extends TesseraError {
  static readonly code = "UNAUTHENTICATED";
  /** What is wrong with the request's token: none sent, or one the server does not know. */
  readonly problem: string;

  constructor(details: { problem: string } & TesseraErrorOptions) {
    super(
      UnauthenticatedError.code,
      `The server needs a valid API token for this request: ${details.problem}. ${details.advice ?? "Set TESSERA_API_KEY to a token made by `tessera token create` (sent as Authorization: Bearer <token>)."}`,
      details,
    );
    this.problem = details.problem;
  }

  static override isInstance(value: unknown): value is UnauthenticatedError {
    return isTesseraErrorWithCode(value, UnauthenticatedError.code);
  }
}
