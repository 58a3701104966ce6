import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A document bigger than the store accepts. */
export class DocumentTooLargeError extends TesseraError {
  static readonly code = "DOCUMENT_TOO_LARGE";
  readonly slug: string;
  /** Size of the document, in bytes of JSON. */
  readonly size: number;
  /** The store limit, in bytes. */
  readonly limit: number;

  constructor(details: { slug: string; size: number; limit: number } & TesseraErrorOptions) {
    const { slug, size, limit } = details;
    super(
      DocumentTooLargeError.code,
      `"${slug}" is ${size} bytes, over the store limit of ${limit} bytes. ${details.advice ?? "Keep large data in a storage block (results) and reference it, or raise the store limit (maxDocumentBytes)."}`,
      details,
    );
    this.slug = slug;
    this.size = size;
    this.limit = limit;
  }

  static override isInstance(value: unknown): value is DocumentTooLargeError {
    return isTesseraErrorWithCode(value, DocumentTooLargeError.code);
  }
}
