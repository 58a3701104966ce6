import { errorMarkerKey, redactorKey } from "../protocol/index.js";

function scrubSecrets(message: string): string {
  const redactor = (globalThis as { [redactorKey]?: { redact?: (text: string) => string } })[
    redactorKey
  ];
  return redactor?.redact ? redactor.redact(message) : message;
}

/**
 * What every Tessera error's details object accepts besides its own typed fields: each subclass
 * takes one object, `new BlockNotFoundError({ slug, closeMatches, cause })`.
 */
export interface TesseraErrorOptions {
  /** The lower-level error that caused this one. Never a value that holds a secret. */
  cause?: unknown;
  /**
   * What the user should do, in place of the error's own advice (the sentence that ends its
   * message), for a caller that knows better: the CLI names its commands and options here.
   */
  advice?: string;
}

/**
 * Base class of every error a user can cause. `code` is stable across releases: match on it, not
 * on the message. Messages say what happened and what to do, and never contain a secret.
 *
 * Recognise Tessera errors with `TesseraError.isInstance(error)` (or a subclass's `isInstance`),
 * which works across two copies of `@tessera/core` in one process, unlike `instanceof`.
 */
export class TesseraError extends Error {
  /** Stable, machine-readable error code, such as `BLOCK_NOT_FOUND`. */
  readonly code: string;
  /** The advice the caller gave in place of the error's own, when it gave one. */
  declare readonly advice?: string;

  constructor(code: string, message: string, options: TesseraErrorOptions = {}) {
    super(
      scrubSecrets(message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.name = new.target.name;
    if (options.advice !== undefined) this.advice = options.advice;
  }

  /** Marks Tessera errors across copies of core (see `isInstance`). */
  get [errorMarkerKey](): true {
    return true;
  }

  /** True for any Tessera error, even one created by another copy of `@tessera/core`. */
  static isInstance(value: unknown): value is TesseraError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarkerKey] === true &&
      typeof (value as { code?: unknown }).code === "string"
    );
  }

  /**
   * What `console.log` and `util.inspect` show: the stack, the typed fields and the cause, with
   * remembered secrets scrubbed from all of them (a field may echo what the caller passed).
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: object,
    inspect: (value: unknown, options?: object) => string,
  ): string {
    const fields: Record<string, unknown> = { ...(this as object) };
    let shown = `${this.stack ?? `${this.name}: ${this.message}`}`;
    if (Object.keys(fields).length > 0) shown += ` ${inspect(fields, options)}`;
    if (this.cause !== undefined) shown += `\n[cause]: ${inspect(this.cause, options)}`;
    return scrubSecrets(shown);
  }

  /**
   * Plain JSON for logs and `--json` output: name, code, message and the typed fields, with
   * remembered secrets scrubbed from every string (a field may echo what the caller passed). The
   * cause and the stack are left out.
   */
  toJSON(): { name: string; code: string; message: string; [field: string]: unknown } {
    const fields: Record<string, unknown> = { ...(this as object) };
    delete fields.name;
    delete fields.code;
    const scrubbed = JSON.parse(JSON.stringify(fields), (_key, value: unknown) =>
      typeof value === "string" ? scrubSecrets(value) : value,
    ) as Record<string, unknown>;
    return { name: this.name, code: this.code, message: this.message, ...scrubbed };
  }
}

/**
 * Builds the `isInstance` guard of a subclass: true when the value is a Tessera error carrying the
 * subclass's code, whichever copy of core created it.
 */
export function isTesseraErrorWithCode<T extends TesseraError>(
  value: unknown,
  code: string,
): value is T {
  return TesseraError.isInstance(value) && value.code === code;
}

/**
 * A message whose text is all the caller's (it says what happened and what to do), followed by
 * the caller's `advice` when one is given.
 */
export function withAdvice(message: string, options: TesseraErrorOptions): string {
  return options.advice === undefined ? message : `${message} ${options.advice}`;
}
