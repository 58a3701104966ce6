import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A save or rename targets a name that is already taken, without `overwrite`. */
export class BlockExistsError extends TesseraError {
  static readonly code = "BLOCK_EXISTS";
  /** The slug that is taken. */
  readonly slug: string;

  constructor(details: { slug: string } & TesseraErrorOptions) {
    super(
      BlockExistsError.code,
      `A block is already saved as "${details.slug}". ${details.advice ?? "Pass { overwrite: true } to replace it (or { expectedRevision } to replace only the revision you loaded), or choose another name."}`,
      details,
    );
    this.slug = details.slug;
  }

  static override isInstance(value: unknown): value is BlockExistsError {
    return isTesseraErrorWithCode(value, BlockExistsError.code);
  }
}
