import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../errors/index.js";
import { SecretValue } from "../secrets/index.js";
import type { CliContext } from "./context.js";
import type { WriteValueOptions } from "./program.js";
import {
  applySetExpressions,
  type FieldValues,
  parseSetExpression,
  setAtPath,
} from "./set-expression.js";

/** Reads all of standard input as text. */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Field values from a JSON or YAML file (`-` reads standard input). Must be an object. */
export async function readValuesFile(context: CliContext, path: string): Promise<FieldValues> {
  let text: string;
  try {
    text = path === "-" ? await readStdin(context.stdin) : await readFile(path, "utf8");
  } catch (error) {
    throw new InvalidInputError(
      path,
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path, or pass - to read standard input.`,
    );
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
    throw new InvalidInputError(
      path,
      `${path} is not valid ${isJson ? "JSON" : "YAML"}${parsePosition(error)}. Fix the file and try again.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(
      path,
      `${path} must hold an object of field values, such as { "bucketName": "results" }.`,
    );
  }
  return parsed as FieldValues;
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
  schema: { jsonSchema: FieldValues; secretFields: readonly string[] },
): string[] {
  const paths = applySetExpressions(
    target,
    options.set ?? [],
    schema.jsonSchema as never,
    schema.secretFields,
  );
  for (const expression of options.secretFromEnv ?? []) {
    const { path, text: variable } = parseSetExpression(expression, "--secret-from-env");
    const value = context.environment[variable];
    if (value === undefined || value === "") {
      throw new InvalidInputError(
        "--secret-from-env",
        `Environment variable ${JSON.stringify(variable)} (for field ${path.join(".")}) is not set or empty. Export it first, or use a hidden prompt instead.`,
      );
    }
    setAtPath(target, path, SecretValue.from(value));
    paths.push(path.join("."));
  }
  for (const expression of options.secretRef ?? []) {
    const { path, text: reference } = parseSetExpression(expression, "--secret-ref");
    if (reference.trim() === "") {
      throw new InvalidInputError(
        "--secret-ref",
        `--secret-ref ${path.join(".")}= needs a reference: secret/<name>, env:NAME or <type>/<name> of a secret source.`,
      );
    }
    setAtPath(target, path, { $reference: reference.trim() });
    paths.push(path.join("."));
  }
  return paths;
}
