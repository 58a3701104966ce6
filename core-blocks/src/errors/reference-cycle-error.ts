import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A save would make a document reference itself, directly or through others. */
export class ReferenceCycleError extends TesseraError {
  static readonly code = "REFERENCE_CYCLE";
  readonly slug: string;
  /** The cycle, as slugs, starting and ending at `slug`. */
  readonly cycle: string[];

  constructor(slug: string, cycle: string[]) {
    super(
      ReferenceCycleError.code,
      `Saving "${slug}" would create a reference cycle (${cycle.join(" -> ")}). Nested blocks must form a tree or a DAG: store one side inline or remove a reference.`,
    );
    this.slug = slug;
    this.cycle = cycle;
  }

  static override isInstance(value: unknown): value is ReferenceCycleError {
    return isTesseraErrorWithCode(value, ReferenceCycleError.code);
  }
}
