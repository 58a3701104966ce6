import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** What a store holds, as a store copy counts and checksums it. */
export interface StoreContentCounts {
  documents: number;
  revisions: number;
  blockTypes: number;
  dataKeys: number;
  masterKeys: number;
}

/**
 * A store copy finished writing, but the destination does not hold what the source holds (the
 * checksums of their contents differ): the source changed during the copy, or the destination
 * already held other versions of the same documents.
 */
export class StoreCopyMismatchError extends TesseraError {
  static readonly code = "STORE_COPY_MISMATCH";
  /** The source store's location (a file path, a URL without credentials). */
  readonly from: string;
  /** The destination store's location. */
  readonly to: string;
  readonly source: StoreContentCounts;
  readonly destination: StoreContentCounts;

  constructor(
    details: {
      from: string;
      to: string;
      source: StoreContentCounts;
      destination: StoreContentCounts;
      problem: string;
    } & TesseraErrorOptions,
  ) {
    const describe = (counts: StoreContentCounts) =>
      `${counts.documents} documents, ${counts.revisions} revisions, ${counts.blockTypes} block types, ${counts.dataKeys} data keys, ${counts.masterKeys} master keys`;
    super(
      StoreCopyMismatchError.code,
      `The copy of "${details.from}" to "${details.to}" does not match its source: ${details.problem} (source: ${describe(details.source)}; destination: ${describe(details.destination)}). ${details.advice ?? "Stop the processes writing the source and run the copy again (it resumes); if it still differs, copy into an empty schema."}`,
      details,
    );
    this.from = details.from;
    this.to = details.to;
    this.source = details.source;
    this.destination = details.destination;
  }

  static override isInstance(value: unknown): value is StoreCopyMismatchError {
    return isTesseraErrorWithCode(value, StoreCopyMismatchError.code);
  }
}
