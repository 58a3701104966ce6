import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A `{{ … }}` placeholder that is malformed or whose target is missing. Names the placeholder and
 * where it sits in the object, never a resolved value.
 */
export class TemplateError extends TesseraError {
  static readonly code = "TEMPLATE_UNRESOLVED";
  /** The placeholder as written, such as `{{ blocks.secret.db }}`. */
  readonly placeholder: string;
  /** Where it sits in the resolved object, such as `env[0].value` (empty at the root). */
  readonly location: string;

  constructor(
    placeholder: string,
    location: string,
    problem: string,
    options: TesseraErrorOptions = {},
  ) {
    const where = location === "" ? "" : ` (at ${location})`;
    super(TemplateError.code, `Placeholder ${placeholder}${where} ${problem}`, options);
    this.placeholder = placeholder;
    this.location = location;
  }

  static override isInstance(value: unknown): value is TemplateError {
    return isTesseraErrorWithCode(value, TemplateError.code);
  }
}
