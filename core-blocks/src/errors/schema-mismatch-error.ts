import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";
import type { ValidationProblem } from "./validation-failed-error.js";

/**
 * A stored document is not valid under the installed schema and no migration makes it valid. The
 * document is left untouched.
 */
export class SchemaMismatchError extends TesseraError {
  static readonly code = "SCHEMA_MISMATCH";
  /** The document's slug (`type/name`). */
  readonly slug: string;
  /** Schema version the document was saved with. */
  readonly storedVersion: string;
  /** Schema version of the installed block class. */
  readonly installedVersion: string;
  /** Fields that fail validation after the migrations that apply. */
  readonly problems: ValidationProblem[];

  constructor(
    details: {
      slug: string;
      storedVersion: string;
      installedVersion: string;
      problems: ValidationProblem[];
    } & TesseraErrorOptions,
  ) {
    const { slug, storedVersion, installedVersion, problems } = details;
    const listed = problems
      .map((problem) => `  - ${problem.path === "" ? "(block)" : problem.path}: ${problem.message}`)
      .join("\n");
    const versions =
      storedVersion === installedVersion
        ? `schema version ${storedVersion}`
        : `schema version ${storedVersion}, installed schema version ${installedVersion}`;
    super(
      SchemaMismatchError.code,
      `"${slug}" (${versions}) does not match the installed schema:\n${listed}\n${details.advice ?? `Add a migration from ${storedVersion} to the block type's migrations, or save the block again with valid fields.`}`,
      details,
    );
    this.slug = slug;
    this.storedVersion = storedVersion;
    this.installedVersion = installedVersion;
    this.problems = problems;
  }

  static override isInstance(value: unknown): value is SchemaMismatchError {
    return isTesseraErrorWithCode(value, SchemaMismatchError.code);
  }
}
