import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/**
 * The project configuration file (`tessera.config.json`) cannot be used: it is not valid JSON,
 * has an unknown shape, or may be changed by someone other than the user who runs Tessera.
 */
export class InvalidProjectConfigError extends TesseraError {
  static readonly code = "INVALID_PROJECT_CONFIG";
  /** The configuration file. */
  readonly file: string;

  constructor(file: string, problem: string) {
    super(InvalidProjectConfigError.code, `The project configuration ${file} ${problem}`);
    this.file = file;
  }

  static override isInstance(value: unknown): value is InvalidProjectConfigError {
    return isTesseraErrorWithCode(value, InvalidProjectConfigError.code);
  }
}
