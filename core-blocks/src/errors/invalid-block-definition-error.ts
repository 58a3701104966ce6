import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A `defineBlock` call that cannot make a block type (a bad type slug, version or field name). */
export class InvalidBlockDefinitionError extends TesseraError {
  static readonly code = "INVALID_BLOCK_DEFINITION";
  /** The block type being defined. */
  readonly type: string;

  constructor(type: string, problem: string) {
    super(InvalidBlockDefinitionError.code, `Block type "${type}" cannot be defined: ${problem}`);
    this.type = type;
  }

  static override isInstance(value: unknown): value is InvalidBlockDefinitionError {
    return isTesseraErrorWithCode(value, InvalidBlockDefinitionError.code);
  }
}
