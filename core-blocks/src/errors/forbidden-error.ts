import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * An API token's scope does not allow the request, or the token is limited to other block types
 * (whether or not the block exists).
 */
export class ForbiddenError extends TesseraError {
  static readonly code = "FORBIDDEN";
  /** The token's scope. */
  readonly scope: string;
  /** The scopes that allow the request. */
  readonly allowed: string[];
  /** For a token limited to block types: the types it may reach. */
  readonly types?: string[];
  /** For a token limited to block types: the type the request is about. */
  readonly type?: string;

  constructor(
    details: {
      scope: string;
      allowed: string[];
      types?: string[];
      type?: string;
    } & TesseraErrorOptions,
  ) {
    super(
      ForbiddenError.code,
      details.types !== undefined
        ? `This token is limited to block types ${details.types.join(", ")}; it may not reach documents of type "${details.type ?? ""}". ${details.advice ?? "Ask an admin for a token that includes that type (`tessera token create --types …`)."}`
        : `A token with scope "${details.scope}" may not make this request; it needs one of: ${details.allowed.join(", ")}. ${details.advice ?? "Ask an admin for a token with that scope (`tessera token create --scope …`)."}`,
      details,
    );
    this.scope = details.scope;
    this.allowed = details.allowed;
    if (details.types !== undefined) this.types = details.types;
    if (details.type !== undefined) this.type = details.type;
  }

  static override isInstance(value: unknown): value is ForbiddenError {
    return isTesseraErrorWithCode(value, ForbiddenError.code);
  }
}
