import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

/** A `defineBlock` call that cannot make a block type (a bad type slug, version or field name). */
export class InvalidBlockDefinitionError extends TesseraError {
  static readonly code = "INVALID_BLOCK_DEFINITION";
  /** The block type being defined. */
  readonly type: string;

  constructor(
    details: {
      type: string;
      /** What is wrong and what to do, as a sentence. */
      problem: string;
    } & TesseraErrorOptions,
  ) {
    super(
      InvalidBlockDefinitionError.code,
      withAdvice(`Block type "${details.type}" cannot be defined: ${details.problem}`, details),
      details,
    );
    this.type = details.type;
  }

  static override isInstance(value: unknown): value is InvalidBlockDefinitionError {
    return isTesseraErrorWithCode(value, InvalidBlockDefinitionError.code);
  }
}
