import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** Deleting a document that other documents reference. */
export class BlockReferencedError extends TesseraError {
  static readonly code = "BLOCK_REFERENCED";
  readonly slug: string;
  /** Slugs of the documents that reference it. */
  readonly referrers: string[];

  constructor(
    details: {
      slug: string;
      referrers: string[];
      /** What was refused. @default "delete" */
      action?: "delete" | "rename";
    } & TesseraErrorOptions,
  ) {
    const { slug, referrers } = details;
    super(
      BlockReferencedError.code,
      `Cannot ${details.action ?? "delete"} "${slug}": ${referrers.map((referrer) => `"${referrer}"`).join(", ")} reference${referrers.length === 1 ? "s" : ""} it. ${details.advice ?? "Point them elsewhere first, or delete with { force: true } (the referrers will fail to load)."}`,
      details,
    );
    this.slug = slug;
    this.referrers = referrers;
  }

  static override isInstance(value: unknown): value is BlockReferencedError {
    return isTesseraErrorWithCode(value, BlockReferencedError.code);
  }
}
