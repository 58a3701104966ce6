import { InvalidInputError } from "../../errors/index.js";
import { SECRET_MASK } from "../../secrets/index.js";
import type { CliContext } from "../context.js";
import { readStdin, variableForMessage } from "../field-input.js";
import { checkSlugPart, requireDocument, shortTime } from "../stored-documents.js";

async function readSecretValue(
  context: CliContext,
  name: string,
  options: { fromEnv?: string; stdin?: boolean },
): Promise<string> {
  if (options.fromEnv !== undefined && options.stdin) {
    throw new InvalidInputError(
      "secret set",
      "Give one of --from-env <VARIABLE> or --stdin, not both.",
    );
  }
  if (options.fromEnv !== undefined) {
    const value = context.environment[options.fromEnv];
    if (value === undefined || value === "") {
      throw new InvalidInputError(
        "--from-env",
        `${variableForMessage(options.fromEnv)} is not set or empty. Export it first, or run \`tessera secret set ${name}\` to type the value at a hidden prompt.`,
      );
    }
    return value;
  }
  if (options.stdin || context.stdin.isTTY !== true) {
    const text = (await readStdin(context.stdin)).replace(/\r?\n$/, "");
    if (text === "") {
      throw new InvalidInputError(
        "--stdin",
        `Standard input was empty: pipe the value in (printf %s "$VALUE" | tessera secret set ${name} --stdin), or run it on a terminal to type it at a hidden prompt.`,
      );
    }
    return text;
  }
  const prompts = await import("@clack/prompts");
  const answer = await prompts.password({
    message: `Value of secret/${name} (hidden)`,
    mask: "*",
    validate: (text) => (text ? undefined : "A value is required."),
  });
  if (prompts.isCancel(answer)) {
    throw new InvalidInputError("prompt", "The prompt was cancelled; nothing was saved.");
  }
  return answer;
}

/** `tessera secret set <name>`: the value never comes from an argument. */
export async function setSecretCommand(
  context: CliContext,
  name: string,
  options: { fromEnv?: string; stdin?: boolean },
  extraArguments: readonly string[] = [],
): Promise<void> {
  if (extraArguments.length > 0) {
    throw new InvalidInputError(
      "secret set",
      `tessera secret set takes only the secret's name: a value given as an argument would end up in shell history and process listings. Type it at the hidden prompt (tessera secret set ${name}), pipe it with --stdin, or use --from-env <VARIABLE>.`,
    );
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

/** `tessera secret get <name> [--reveal]`. */
export async function getSecretCommand(
  context: CliContext,
  name: string,
  options: { reveal?: boolean; json?: boolean },
): Promise<void> {
  await checkSlugPart(name, "name");
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
