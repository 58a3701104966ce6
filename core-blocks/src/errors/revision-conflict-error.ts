import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A compare-and-swap write lost: the stored revision is not the one the writer expected. */
export class RevisionConflictError extends TesseraError {
  static readonly code = "REVISION_CONFLICT";
  readonly slug: string;
  /** The revision the writer expected (`0` = create only). */
  readonly expectedRevision: number;
  /** The revision actually stored (`0` = no document). */
  readonly actualRevision: number;

  constructor(
    details: {
      slug: string;
      expectedRevision: number;
      actualRevision: number;
      /**
       * The file (or "standard input") the writer's revision came from, when it came from one: the
       * message then speaks of that file.
       */
      file?: string;
    } & TesseraErrorOptions,
  ) {
    const { slug, expectedRevision, actualRevision, file } = details;
    let what: string;
    if (file === undefined) {
      const expected =
        expectedRevision === 0 ? "expected to create it" : `expected revision ${expectedRevision}`;
      const actual =
        actualRevision === 0 ? "it does not exist" : `it is at revision ${actualRevision}`;
      what = `"${slug}" changed underneath this write: the writer ${expected}, but ${actual}.`;
    } else {
      what = `"${slug}" changed since ${file} was written: the file is of revision ${expectedRevision}, but it is at revision ${actualRevision}. Nothing was saved.`;
    }
    super(
      RevisionConflictError.code,
      `${what} ${details.advice ?? `Load it again, re-apply the change and save with expectedRevision ${actualRevision}.`}`,
      details,
    );
    this.slug = slug;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }

  static override isInstance(value: unknown): value is RevisionConflictError {
    return isTesseraErrorWithCode(value, RevisionConflictError.code);
  }
}
