import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../errors/index.js";
import type { NotifyMessage } from "../../notify/index.js";
import type { JsonObject } from "../../schema/index.js";
import type { CliContext } from "../context.js";
import type { NotifyCommandOptions } from "./notify-commands.js";

async function readText(context: CliContext, path: string, option: string): Promise<string> {
  try {
    if (path !== "-") return await readFile(path, "utf8");
    const chunks: Buffer[] = [];
    for await (const chunk of context.stdin) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (error) {
    throw new InvalidInputError({
      subject: option,
      message: `Cannot read ${path === "-" ? "standard input" : path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}. Check the path, or pass - to read standard input.`,
    });
  }
}

async function messageFrom(
  context: CliContext,
  options: NotifyCommandOptions,
): Promise<NotifyMessage> {
  if (options.body !== undefined && options.bodyFile !== undefined) {
    throw new InvalidInputError({
      subject: "notify",
      message: "Give one of --body <text> or --body-file <file>, not both.",
    });
  }
  if (options.body === undefined && options.bodyFile === undefined) {
    throw new InvalidInputError({
      subject: "notify",
      message:
        'A notification needs a body: pass --body "<text>", or --body-file <file> (- reads standard input).',
    });
  }
  const body =
    options.body ??
    (await readText(context, options.bodyFile as string, "--body-file")).replace(/\r?\n$/, "");
  const message: NotifyMessage = { body };
  if (options.subject !== undefined) message.subject = options.subject;
  if (options.blocksFile !== undefined) {
    const text = await readText(context, options.blocksFile, "--blocks-file");
    let blocks: unknown;
    try {
      blocks = JSON.parse(text);
    } catch {
      blocks = undefined;
    }
    if (
      !Array.isArray(blocks) ||
      blocks.some((block) => typeof block !== "object" || block === null || Array.isArray(block))
    ) {
      throw new InvalidInputError({
        subject: "--blocks-file",
        message: `${options.blocksFile} is not a JSON array of blocks: write [{ "type": "section", … }, …].`,
      });
    }
    message.blocks = blocks as JsonObject[];
  }
  return message;
}

/** `tessera notify <slug>`: loads the notifier and sends; Ctrl-C cancels. */
export async function notifyCommand(
  context: CliContext,
  slug: string,
  options: NotifyCommandOptions,
): Promise<void> {
  const { parseSlug } = await import("../stored-documents.js");
  const { type } = await parseSlug(slug);
  const message = await messageFrom(context, options);
  const store = await context.store();
  const { resolveBlockClass, loadSecretSources } = await import("../block-classes.js");
  await resolveBlockClass(store, type);
  await loadSecretSources(store);
  const { loadNotifier } = await import("../../notify/index.js");
  const notifier = await loadNotifier(slug, { store });
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once("SIGINT", onInterrupt);
  try {
    const result = await notifier.notify(message, {
      signal: controller.signal,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline * 1000 }),
    });
    if (options.json) {
      context.output.json(result);
      return;
    }
    const parts = result.parts === 1 ? "1 message" : `${result.parts} messages`;
    context.output.line(
      `Sent ${parts} through ${result.notifier}${result.ids.length > 0 ? ` (${result.ids.join(", ")})` : ""}.`,
    );
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
