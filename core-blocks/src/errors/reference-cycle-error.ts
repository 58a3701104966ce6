import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A save would make a document reference itself, directly or through others. */
export class ReferenceCycleError extends TesseraError {
  static readonly code = "REFERENCE_CYCLE";
  readonly slug: string;
  /** The cycle, as slugs, starting and ending at `slug`. */
  readonly cycle: string[];

  constructor(details: { slug: string; cycle: string[] } & TesseraErrorOptions) {
    super(
      ReferenceCycleError.code,
      `Saving "${details.slug}" would create a reference cycle (${details.cycle.join(" -> ")}). ${details.advice ?? "Nested blocks must form a tree or a DAG: store one side inline or remove a reference."}`,
      details,
    );
    this.slug = details.slug;
    this.cycle = details.cycle;
  }

  static override isInstance(value: unknown): value is ReferenceCycleError {
    return isTesseraErrorWithCode(value, ReferenceCycleError.code);
  }
}
