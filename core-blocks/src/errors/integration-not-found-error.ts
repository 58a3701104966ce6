import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** `registerIntegration` / `registerModule` was given a package or file that is not there. */
export class IntegrationNotFoundError extends TesseraError {
  static readonly code = "INTEGRATION_NOT_FOUND";
  /** The package name or file path that was asked for. */
  readonly specifier: string;
  /** The folder resolution started from (the current working directory by default). */
  readonly searchedFrom: string;

  constructor(details: { specifier: string; searchedFrom: string } & TesseraErrorOptions) {
    const { specifier, searchedFrom } = details;
    const isFile = /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/]|file:)/.test(specifier);
    const message = isFile
      ? `The module file "${specifier}" does not exist (resolved from ${searchedFrom}). ${details.advice ?? "Check the path, or pass a package name with -m instead of a file."}`
      : `The package "${specifier}" is not installed where ${searchedFrom} can see it. ${details.advice ?? `Install it in this project (npm install ${specifier}) and run the command again from the project's folder.`}`;
    super(IntegrationNotFoundError.code, message, details);
    this.specifier = specifier;
    this.searchedFrom = searchedFrom;
  }

  static override isInstance(value: unknown): value is IntegrationNotFoundError {
    return isTesseraErrorWithCode(value, IntegrationNotFoundError.code);
  }
}
