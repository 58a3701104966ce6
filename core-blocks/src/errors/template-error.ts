import {
  isTesseraErrorWithCode,
  TesseraError,
  type TesseraErrorOptions,
  withAdvice,
} from "./tessera-error.js";

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
    details: {
      placeholder: string;
      location: string;
      /** What went wrong and what to do, following the placeholder. */
      problem: string;
    } & TesseraErrorOptions,
  ) {
    const { placeholder, location, problem } = details;
    const where = location === "" ? "" : ` (at ${location})`;
    super(
      TemplateError.code,
      withAdvice(`Placeholder ${placeholder}${where} ${problem}`, details),
      details,
    );
    this.placeholder = placeholder;
    this.location = location;
  }

  static override isInstance(value: unknown): value is TemplateError {
    return isTesseraErrorWithCode(value, TemplateError.code);
  }
}
