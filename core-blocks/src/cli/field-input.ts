import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../errors/index.js";
import { parseSecretReference, SECRET_MASK, SecretValue } from "../secrets/index.js";
import type { WriteValueOptions } from "./command-options.js";
import type { CliContext } from "./context.js";
import {
  applySetExpressions,
  type FieldValues,
  isSecretPath,
  parseSetExpression,
  setAtPath,
} from "./set-expression.js";

/**
 * How an error names an environment variable given for a secret: by name when it looks like one
 * (`DB_PASSWORD`), else not at all, since it may be the secret itself typed in its place.
 */
export function variableForMessage(variable: string): string {
  return /^[A-Z_][A-Z0-9_]{0,63}$/.test(variable)
    ? `Environment variable ${variable}`
    : "The environment variable given (not shown: it does not look like a variable name, and may be the secret itself)";
}

/** Reads all of standard input as text. */
async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Field values from a JSON or YAML file (`-` reads standard input). Must be an object. */
async function readValuesFile(context: CliContext, path: string): Promise<FieldValues> {
  let text: string;
  try {
    text = path === "-" ? await readStdin(context.stdin) : await readFile(path, "utf8");
  } catch (error) {
    throw new InvalidInputError({
      subject: path,
      message: `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path, or pass - to read standard input.`,
    });
  }
  let parsed: unknown;
  const isJson = text.trimStart().startsWith("{") || /\.json$/i.test(path);
  try {
    if (isJson) {
      parsed = JSON.parse(text);
    } else {
      const { parse } = await import("yaml");
      parsed = parse(text, { maxAliasCount: 100 });
    }
  } catch (error) {
    // Parser messages can quote the input (which may hold a secret): report the position only.
    throw new InvalidInputError({
      subject: path,
      message: `${path} is not valid ${isJson ? "JSON" : "YAML"}${parsePosition(error)}. Fix the file and try again.`,
    });
  }
  if (!isJson) refuseCyclicAlias(path, parsed);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError({
      subject: path,
      message: `${path} must hold an object of field values, such as { "bucketName": "results" }.`,
    });
  }
  return parsed as FieldValues;
}

/**
 * A YAML alias inside its own anchor (`a: &x [*x]`) parses to a value that contains itself, which
 * has no field values and would recurse without end: refused with the path only.
 */
function refuseCyclicAlias(path: string, parsed: unknown): void {
  const ancestors = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if (ancestors.has(value)) {
      throw new InvalidInputError({
        subject: path,
        message: `${path} has a YAML alias (*name) inside the anchor (&name) it refers to, so its value would contain itself. Write the value out, or point the alias at another anchor.`,
      });
    }
    ancestors.add(value);
    for (const child of Object.values(value)) visit(child);
    ancestors.delete(value);
  };
  visit(parsed);
}

/** Where a JSON or YAML parser stopped, as ` (line 2, column 5)`, without quoting the input. */
function parsePosition(error: unknown): string {
  const linePos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos;
  if (Array.isArray(linePos) && linePos[0]) {
    return ` (line ${linePos[0].line}, column ${linePos[0].col})`;
  }
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : "");
  return position ? ` (at character ${position[1]})` : "";
}

/**
 * Applies `--set`, `--secret-from-env` and `--secret-ref` to `target`. Returns the dotted paths
 * that were given.
 */
export function applyValueOptions(
  context: CliContext,
  target: FieldValues,
  options: Partial<WriteValueOptions>,
  schema: { jsonSchema: FieldValues; secretFields: readonly string[]; type?: string },
): string[] {
  const paths = applySetExpressions(
    target,
    options.set ?? [],
    schema.jsonSchema as never,
    schema.secretFields,
    schema.type,
  );
  for (const expression of options.secretFromEnv ?? []) {
    const { path, text: variable } = parseSetExpression(expression, "--secret-from-env");
    const value = context.environment[variable];
    if (value === undefined || value === "") {
      throw new InvalidInputError({
        subject: "--secret-from-env",
        message: `${variableForMessage(variable)} (for field ${path.join(".")}) is not set or empty. Export it first, or use a hidden prompt instead.`,
      });
    }
    setAtPath(target, path, SecretValue.from(value));
    paths.push(path.join("."));
  }
  for (const expression of options.secretRef ?? []) {
    const { path, text: reference } = parseSetExpression(expression, "--secret-ref");
    if (reference.trim() === "") {
      throw new InvalidInputError({
        subject: "--secret-ref",
        message: `--secret-ref ${path.join(".")}= needs a reference: secret/<name>, env:NAME or <type>/<name> of a secret source.`,
      });
    }
    try {
      parseSecretReference(reference.trim());
    } catch {
      // Not echoed: a malformed reference is often the secret itself, pasted by mistake.
      throw new InvalidInputError({
        subject: "--secret-ref",
        message: `The value of --secret-ref ${path.join(".")}= is not a reference: use secret/<name>, env:NAME or <type>/<name> of a secret source (lower-case letters, digits and single hyphens). If it was the secret itself, it is now in your shell history: rotate it, and pass it with --secret-from-env or a prompt.`,
      });
    }
    setAtPath(target, path, { $reference: reference.trim() });
    paths.push(path.join("."));
  }
  return paths;
}

/** Field values read with `--from-file`, and the revision they were read at (if the file says). */
export interface FileValues {
  /** The fields: the file itself, or the `data` of a `tessera block inspect --json` document. */
  values: FieldValues;
  /**
   * The `revision` of an inspect document of the block being written: the save expects it
   * (compare-and-swap), so a change saved since the file was written is refused.
   */
  expectedRevision?: number;
}

/**
 * Reads `--from-file` input for a write to `slug`. The file holds either the fields as an object,
 * or the whole `tessera block inspect --json` document (then its `data` is used, and its
 * `revision` is expected when the document is of `slug`).
 */
export async function readFieldsFile(
  context: CliContext,
  path: string,
  slug: string,
): Promise<FileValues> {
  const parsed = await readValuesFile(context, path);
  const data = parsed.data;
  const isInspectDocument =
    typeof parsed.slug === "string" &&
    typeof data === "object" &&
    data !== null &&
    !Array.isArray(data);
  if (!isInspectDocument) return { values: parsed };
  const revision = parsed.revision;
  if (revision !== undefined && (!Number.isSafeInteger(revision) || (revision as number) < 1)) {
    throw new InvalidInputError({
      subject: path,
      message: `${path} has "revision": ${JSON.stringify(revision)}, which is not a revision number. Fix it, or remove it to write over the newest revision.`,
    });
  }
  return {
    values: data as FieldValues,
    expectedRevision: parsed.slug === slug ? (revision as number | undefined) : undefined,
  };
}

/**
 * Dotted paths of secret fields in `values` that hold exactly the mask text `********`: input
 * written back from masked output, where the intent (keep the stored secret, or that text) is not
 * said. Linked block instances are not walked.
 */
export function maskedSecretPaths(values: FieldValues, secretFields: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value === SECRET_MASK && isSecretPath(path, secretFields)) {
      found.push(path.join("."));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return;
    for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(values, []);
  return found;
}
