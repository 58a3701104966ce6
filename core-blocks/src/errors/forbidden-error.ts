import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** An API token's scope does not allow the request (whether or not the block exists). */
export class ForbiddenError extends TesseraError {
  static readonly code = "FORBIDDEN";
  /** The token's scope. */
  readonly scope: string;
  /** The scopes that allow the request. */
  readonly allowed: string[];

  constructor(details: { scope: string; allowed: string[] } & TesseraErrorOptions) {
    super(
      ForbiddenError.code,
      `A token with scope "${details.scope}" may not make this request; it needs one of: ${details.allowed.join(", ")}. ${details.advice ?? "Ask an admin for a token with that scope (`tessera token create --scope …`)."}`,
      details,
    );
    this.scope = details.scope;
    this.allowed = details.allowed;
  }

  static override isInstance(value: unknown): value is ForbiddenError {
    return isTesseraErrorWithCode(value, ForbiddenError.code);
  }
}
