import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** No document (or no such revision of it) is stored under the slug. */
export class BlockNotFoundError extends TesseraError {
  static readonly code = "BLOCK_NOT_FOUND";
  /** The slug that was asked for (`type/name`). */
  readonly slug: string;
  /** Existing slugs that look alike, closest first. */
  readonly closeMatches: string[];
  /** The revision asked for, when one was. */
  readonly revision: number | undefined;

  constructor(
    details: { slug: string; closeMatches?: string[]; revision?: number } & TesseraErrorOptions,
  ) {
    const { slug, closeMatches = [], revision } = details;
    const what =
      revision === undefined
        ? `No block is saved as "${slug}"`
        : `Revision ${revision} of "${slug}" does not exist (it was never written or was pruned)`;
    const hint =
      closeMatches.length > 0
        ? `Did you mean ${closeMatches.map((match) => `"${match}"`).join(", ")}?`
        : revision === undefined
          ? "List saved blocks with `tessera block ls`, or save one first."
          : "See the kept revisions with `tessera block history`.";
    super(BlockNotFoundError.code, `${what}. ${details.advice ?? hint}`, details);
    this.slug = slug;
    this.closeMatches = closeMatches;
    this.revision = revision;
  }

  static override isInstance(value: unknown): value is BlockNotFoundError {
    return isTesseraErrorWithCode(value, BlockNotFoundError.code);
  }
}
