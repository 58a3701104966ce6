import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A compare-and-swap write lost: the stored revision is not the one the writer expected. */
export class RevisionConflictError extends TesseraError {
  static readonly code = "REVISION_CONFLICT";
  readonly slug: string;
  /** The revision the writer expected (`0` = create only). */
  readonly expectedRevision: number;
  /** The revision actually stored (`0` = no document). */
  readonly actualRevision: number;

  constructor(slug: string, expectedRevision: number, actualRevision: number) {
    const expected =
      expectedRevision === 0 ? "expected to create it" : `expected revision ${expectedRevision}`;
    const actual =
      actualRevision === 0 ? "it does not exist" : `it is at revision ${actualRevision}`;
    super(
      RevisionConflictError.code,
      `"${slug}" changed underneath this write: the writer ${expected}, but ${actual}. Load it again, re-apply the change and save with expectedRevision ${actualRevision}.`,
    );
    this.slug = slug;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }

  static override isInstance(value: unknown): value is RevisionConflictError {
    return isTesseraErrorWithCode(value, RevisionConflictError.code);
  }
}
