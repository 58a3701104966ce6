import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A document was written by a newer major version of the package that defines its block type than
 * the one installed.
 */
export class IntegrationTooOldError extends TesseraError {
  static readonly code = "INTEGRATION_TOO_OLD";
  /** The document's slug (`type/name`). */
  readonly slug: string;
  /** The defining package, such as `@tessera/aws`. */
  readonly packageName: string;
  /** The package version that wrote the document. */
  readonly writtenBy: string;
  /** The package version installed in this process. */
  readonly installed: string;

  constructor(
    details: {
      slug: string;
      packageName: string;
      writtenBy: string;
      installed: string;
    } & TesseraErrorOptions,
  ) {
    const { slug, packageName, writtenBy, installed } = details;
    super(
      IntegrationTooOldError.code,
      `"${slug}" was saved by ${packageName} ${writtenBy}, a newer major version than the installed ${installed}. ${details.advice ?? `Upgrade it (npm install ${packageName}@^${writtenBy}) to load this block.`}`,
      details,
    );
    this.slug = slug;
    this.packageName = packageName;
    this.writtenBy = writtenBy;
    this.installed = installed;
  }

  static override isInstance(value: unknown): value is IntegrationTooOldError {
    return isTesseraErrorWithCode(value, IntegrationTooOldError.code);
  }
}
