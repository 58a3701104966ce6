import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

/**
 * The project configuration file (`tessera.config.json`) cannot be used: it is not valid JSON,
 * has an unknown shape, or may be changed by someone other than the user who runs Tessera.
 */
export class InvalidProjectConfigError extends TesseraError {
  static readonly code = "INVALID_PROJECT_CONFIG";
  /** The configuration file. */
  readonly file: string;

  constructor(
    details: {
      file: string;
      /** What is wrong and what to do, following the file's name. */
      problem: string;
    } & TesseraErrorOptions,
  ) {
    super(
      InvalidProjectConfigError.code,
      withAdvice(`The project configuration ${details.file} ${details.problem}`, details),
      details,
    );
    this.file = details.file;
  }

  static override isInstance(value: unknown): value is InvalidProjectConfigError {
    return isTesseraErrorWithCode(value, InvalidProjectConfigError.code);
  }
}
