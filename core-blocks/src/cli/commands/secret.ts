import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InvalidInputError } from "../../errors/index.js";
import type { JsonValue } from "../../schema/index.js";
import { SECRET_MASK } from "../../secrets/index.js";
import type { CliContext } from "../context.js";
import { variableForMessage } from "../field-input.js";

/** Options of `tessera secret set`. */
interface SetSecretOptions {
  fromEnv?: string;
  stdin?: boolean;
  /** Keep standard input's bytes exactly, even when they are text. */
  binary?: boolean;
}

async function readStdinBytes(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** The bytes as text when they are valid UTF-8, else `undefined`. */
function asText(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

import { checkSlugPart, requireDocument, shortTime } from "../stored-documents.js";

async function readSecretValue(
  context: CliContext,
  name: string,
  options: SetSecretOptions,
): Promise<JsonValue> {
  if (options.fromEnv !== undefined && options.stdin) {
    throw new InvalidInputError({
      subject: "secret set",
      message: "Give one of --from-env <VARIABLE> or --stdin, not both.",
    });
  }
  if (options.binary && options.fromEnv !== undefined) {
    throw new InvalidInputError({
      subject: "--binary",
      message:
        "--binary keeps the exact bytes of standard input: use it with --stdin, not --from-env.",
    });
  }
  if (options.fromEnv !== undefined) {
    const value = context.environment[options.fromEnv];
    if (value === undefined || value === "") {
      throw new InvalidInputError({
        subject: "--from-env",
        message: `${variableForMessage(options.fromEnv)} is not set or empty. Export it first, or run \`tessera secret set ${name}\` to type the value at a hidden prompt.`,
      });
    }
    return value;
  }
  if (options.stdin || options.binary || context.stdin.isTTY !== true) {
    const bytes = await readStdinBytes(context.stdin);
    if (bytes.length === 0) {
      throw new InvalidInputError({
        subject: "--stdin",
        message: `Standard input was empty: pipe the value in (printf %s "$VALUE" | tessera secret set ${name} --stdin), or run it on a terminal to type it at a hidden prompt.`,
      });
    }
    // Text drops one trailing newline (what `echo` adds); bytes that are not UTF-8 text, or any
    // input with --binary, are kept exactly.
    const text = options.binary ? undefined : asText(bytes);
    if (text === undefined) return { $bytes: bytes.toString("base64") };
    const trimmed = text.replace(/\r?\n$/, "");
    if (trimmed === "") {
      throw new InvalidInputError({
        subject: "--stdin",
        message: `Standard input held only a newline: pipe the value in (printf %s "$VALUE" | tessera secret set ${name} --stdin), or pass --binary to keep it as it is.`,
      });
    }
    return trimmed;
  }
  const prompts = await import("@clack/prompts");
  const answer = await prompts.password({
    message: `Value of secret/${name} (hidden)`,
    mask: "*",
    validate: (text) => (text ? undefined : "A value is required."),
  });
  if (prompts.isCancel(answer)) {
    throw new InvalidInputError({
      subject: "prompt",
      message: "The prompt was cancelled; nothing was saved.",
    });
  }
  return answer;
}

/** `tessera secret set <name>`: the value never comes from an argument. */
export async function setSecretCommand(
  context: CliContext,
  name: string,
  options: SetSecretOptions,
  extraArguments: readonly string[] = [],
): Promise<void> {
  if (extraArguments.length > 0) {
    throw new InvalidInputError({
      subject: "secret set",
      message: `tessera secret set takes only the secret's name: a value given as an argument would end up in shell history and process listings. Type it at the hidden prompt (tessera secret set ${name}), pipe it with --stdin, or use --from-env <VARIABLE>.`,
    });
  }
  await checkSlugPart(name, "name");
  const value = await readSecretValue(context, name, options);
  const store = await context.store();
  const { Secret } = await import("../../secret-block/index.js");
  const secret = await new Secret({ value }).save(name, { store, overwrite: true });
  context.output.line(
    `Saved ${context.output.colors.cyan(`secret/${name}`)} (revision ${secret.revision}).`,
  );
}

/** Options of `tessera secret get`. */
interface GetSecretOptions {
  reveal?: boolean;
  json?: boolean;
  /** Write the value to standard output exactly, with no newline. */
  raw?: boolean;
  /** Write the value's exact bytes to this file (created 0600). */
  output?: string;
}

/** `tessera secret get <name> [--reveal [--raw | --output <file>]]`. */
export async function getSecretCommand(
  context: CliContext,
  name: string,
  options: GetSecretOptions,
): Promise<void> {
  await checkSlugPart(name, "name");
  if ((options.raw || options.output !== undefined) && !options.reveal) {
    throw new InvalidInputError({
      subject: options.raw ? "--raw" : "--output",
      message: `${options.raw ? "--raw" : "--output"} writes the value in clear: add --reveal (tessera secret get ${name} --reveal ${options.raw ? "--raw" : "--output <file>"}).`,
    });
  }
  if ([options.raw, options.output !== undefined, options.json].filter(Boolean).length > 1) {
    throw new InvalidInputError({
      subject: "secret get",
      message: "Give at most one of --raw, --output <file> and --json.",
    });
  }
  const store = await context.store();
  const slug = `secret/${name}`;
  const document = await requireDocument(store, slug);
  let value: unknown = SECRET_MASK;
  if (options.reveal) {
    const { Secret } = await import("../../secret-block/index.js");
    const secret = await Secret.load(name, { store });
    if (secret.value.origin.kind === "reference") {
      // It may lead to a secret source an integration defines (aws-secret/<name>).
      const { loadSecretSources } = await import("../block-classes.js");
      await loadSecretSources(store);
    }
    if (options.raw || options.output !== undefined) {
      const bytes = await secret.getBytes();
      if (options.output !== undefined) {
        await writePrivateFile(options.output, bytes);
        context.output.note(`Wrote secret/${name} (${bytes.length} bytes) to ${options.output}.`);
      } else {
        context.output.raw(bytes);
      }
      return;
    }
    value = await secret.get();
  }
  const { output } = context;
  if (options.json) {
    output.json({ slug, revision: document.revision, updatedAt: document.updatedAt, value });
    return;
  }
  if (options.reveal) {
    output.line(typeof value === "string" ? value : JSON.stringify(value));
    return;
  }
  output.line(
    `${output.colors.cyan(slug)}: ${SECRET_MASK} (revision ${document.revision}, saved ${shortTime(document.updatedAt)}). Add --reveal to print the value.`,
  );
}

/**
 * Writes `bytes` to `path` through a new file created 0600 beside it and renamed over it, so the
 * file is never readable by others, not even while it is written, and a symlink at `path` is
 * replaced, not followed.
 */
async function writePrivateFile(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temporary, "wx", 0o600);
  } catch (error) {
    throw new InvalidInputError({
      subject: "--output",
      message: `Cannot create a file in ${dirname(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check that the folder exists and is writable.`,
    });
  }
  try {
    try {
      await handle.writeFile(bytes);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new InvalidInputError({
      subject: "--output",
      message: `Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check that it is not a folder and that its folder is writable.`,
    });
  }
}
