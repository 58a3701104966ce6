import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A document references a nested block document that does not exist (anymore). */
export class ReferenceNotFoundError extends TesseraError {
  static readonly code = "REFERENCE_NOT_FOUND";
  readonly slug: string;
  /** The id (or slug, when known) of the missing document. */
  readonly missing: string;

  constructor(details: { slug: string; missing: string } & TesseraErrorOptions) {
    const { slug, missing } = details;
    super(
      ReferenceNotFoundError.code,
      `"${slug}" references a nested block (${missing}) that does not exist (never saved, or deleted with force). ${details.advice ?? `Save the nested block again and re-save "${slug}" with it.`}`,
      details,
    );
    this.slug = slug;
    this.missing = missing;
  }

  static override isInstance(value: unknown): value is ReferenceNotFoundError {
    return isTesseraErrorWithCode(value, ReferenceNotFoundError.code);
  }
}
