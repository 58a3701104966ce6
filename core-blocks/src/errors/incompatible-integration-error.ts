import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * An integration package declares a `@tessera/core` range that does not include the installed core.
 * Raised when the integration is imported (its manifest is built at module top level) or registered.
 */
export class IncompatibleIntegrationError extends TesseraError {
  static readonly code = "INCOMPATIBLE_INTEGRATION";
  /** npm name of the integration package, such as `@tessera/aws`. */
  readonly integrationName: string;
  /** Version of the integration package that was loaded. */
  readonly integrationVersion: string;
  /** The `@tessera/core` range the integration declares (its `peerDependencies`). */
  readonly requiredRange: string;
  /** The version of `@tessera/core` that is installed. */
  readonly coreVersion: string;
  /** Where that core is installed (a folder or file path). */
  readonly coreLocation: string;

  constructor(
    details: {
      integrationName: string;
      integrationVersion: string;
      requiredRange: string;
      coreVersion: string;
      coreLocation: string;
    } & TesseraErrorOptions,
  ) {
    super(
      IncompatibleIntegrationError.code,
      IncompatibleIntegrationError.describe(details),
      details,
    );
    this.integrationName = details.integrationName;
    this.integrationVersion = details.integrationVersion;
    this.requiredRange = details.requiredRange;
    this.coreVersion = details.coreVersion;
    this.coreLocation = details.coreLocation;
  }

  /**
   * The text of the error, also used for the warning printed when `TESSERA_SKIP_COMPAT_CHECK=1`
   * turns the check off: which package, which range, which core, and both ways out.
   */
  static describe(
    details: {
      integrationName: string;
      integrationVersion: string;
      requiredRange: string;
      coreVersion: string;
      coreLocation: string;
      advice?: string;
    },
    options: { skipped?: boolean } = {},
  ): string {
    const { integrationName, integrationVersion, requiredRange, coreVersion, coreLocation } =
      details;
    const what = `${integrationName}@${integrationVersion} supports @tessera/core "${requiredRange}", but @tessera/core ${coreVersion} is installed (${coreLocation}). `;
    if (details.advice !== undefined) return `${what}${details.advice}`;
    return (
      what +
      `Install a core it supports: npm install @tessera/core@"${requiredRange}". ` +
      `Or install a version of ${integrationName} that supports @tessera/core ${coreVersion} (its peerDependencies list the supported range: npm view ${integrationName} peerDependencies). ` +
      (options.skipped
        ? "Loading it anyway because TESSERA_SKIP_COMPAT_CHECK=1 is set: it may fail in unexpected ways."
        : "To load it anyway at your own risk, set TESSERA_SKIP_COMPAT_CHECK=1.")
    );
  }

  static override isInstance(value: unknown): value is IncompatibleIntegrationError {
    return isTesseraErrorWithCode(value, IncompatibleIntegrationError.code);
  }
}
