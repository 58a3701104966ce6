import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** One copy of `@tessera/core` loaded in the process. */
export interface CoreCopy {
  /** Its package version. */
  version: string;
  /** Where it is loaded from: its package folder (or the file, outside a package). */
  location: string;
}

/**
 * Two copies of `@tessera/core` are loaded in one process and an integration built by one of them
 * was handed to the other. Each copy keeps its own registry of block types, so the integration's
 * blocks would be invisible to half of the program.
 */
export class DuplicateCoreError extends TesseraError {
  static readonly code = "DUPLICATE_CORE";
  /** The copy that raised the error. */
  readonly current: CoreCopy;
  /** The other copy. */
  readonly other: CoreCopy;
  /** What was handed across: an integration or block name. */
  readonly subject: string;

  constructor(
    details: { subject: string; current: CoreCopy; other: CoreCopy } & TesseraErrorOptions,
  ) {
    const { subject, current, other } = details;
    super(
      DuplicateCoreError.code,
      `${subject} was built by another copy of @tessera/core (${other.version} at ${other.location}) than the one loading it (${current.version} at ${current.location}). ${
        details.advice ??
        "Two copies keep two separate registries. Install a single @tessera/core that satisfies every integration's peer range, then run `npm ls @tessera/core` to check that only one copy is left (npm dedupe can merge them)."
      }`,
      details,
    );
    this.subject = subject;
    this.current = current;
    this.other = other;
  }

  static override isInstance(value: unknown): value is DuplicateCoreError {
    return isTesseraErrorWithCode(value, DuplicateCoreError.code);
  }
}
