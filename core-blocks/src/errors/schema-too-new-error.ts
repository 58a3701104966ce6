import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A document was saved by a newer major schema version than the installed block class knows. */
export class SchemaTooNewError extends TesseraError {
  static readonly code = "SCHEMA_TOO_NEW";
  /** The document's slug (`type/name`). */
  readonly slug: string;
  /** Schema version the document was saved with. */
  readonly storedVersion: string;
  /** Schema version of the installed block class. */
  readonly installedVersion: string;
  /** What to install: a package and range, or the schema version needed. */
  readonly install: string;

  constructor(
    details: {
      slug: string;
      storedVersion: string;
      installedVersion: string;
      install: string;
    } & TesseraErrorOptions,
  ) {
    const { slug, storedVersion, installedVersion, install } = details;
    super(
      SchemaTooNewError.code,
      `"${slug}" was saved with schema version ${storedVersion}, newer than the installed ${installedVersion} (a new major version). ${details.advice ?? `Install ${install} to load it; it is left unchanged.`}`,
      details,
    );
    this.slug = slug;
    this.storedVersion = storedVersion;
    this.installedVersion = installedVersion;
    this.install = install;
  }

  static override isInstance(value: unknown): value is SchemaTooNewError {
    return isTesseraErrorWithCode(value, SchemaTooNewError.code);
  }
}
