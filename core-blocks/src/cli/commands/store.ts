import { InvalidInputError } from "../../errors/index.js";
import { copyStore, openPostgresStore } from "../../store/index.js";
import type { CliContext } from "../context.js";

/**
 * `tessera store copy --to postgres://…`: copies the current store into PostgreSQL. The URL is
 * never printed: the destination is named by host, port and database only.
 */
export async function storeCopyCommand(
  context: CliContext,
  options: { to?: string; toEnv?: string; schema?: string; json?: boolean },
): Promise<void> {
  const url = targetUrl(options);
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    const subject = options.toEnv === undefined ? "--to" : options.toEnv;
    throw new InvalidInputError({
      subject,
      message: `${subject} must hold a PostgreSQL URL (postgres://user:password@host:port/database); its value is not shown.`,
    });
  }
  const from = await context.store();
  const to = await openPostgresStore(
    options.schema === undefined ? { url } : { url, schema: options.schema },
  );
  try {
    const { output } = context;
    output.note(`Copying ${from.location} to ${to.location} ...`);
    const result = await copyStore(from, to, {
      onProgress: (handled) => {
        if (handled % 1000 === 0) output.note(`${handled} documents ...`);
      },
    });
    if (options.json) {
      output.json({ from: from.location, to: to.location, ...result });
      return;
    }
    output.fields([
      ["from", from.location],
      ["to", to.location],
      [
        "documents",
        `${result.documents} (${result.copied} copied, ${result.alreadyThere} already there)`,
      ],
      ["revisions", String(result.revisions)],
      ["block types", String(result.blockTypes)],
      ["data keys", String(result.dataKeys)],
      ["master keys", String(result.masterKeys)],
      ["checksum", `sha256:${result.checksum}`],
    ]);
    output.line();
    output.line(
      "Verified: the copy holds what the store holds. Secrets stay sealed under the same master keys.",
    );
  } finally {
    await to.close();
  }
}

/** The target database URL, from `--to` or the variable `--to-env` names (exactly one). */
function targetUrl(options: { to?: string; toEnv?: string }): string {
  if ((options.to === undefined) === (options.toEnv === undefined)) {
    throw new InvalidInputError({
      subject: "--to",
      message:
        "Give the target database with --to <url> or --to-env <VARIABLE> (one of them; --to-env keeps a password out of the process list).",
    });
  }
  if (options.to !== undefined) return options.to;
  const value = process.env[options.toEnv!];
  if (value === undefined || value === "") {
    throw new InvalidInputError({
      subject: "--to-env",
      message: `The environment variable ${options.toEnv} is not set. Set it to the PostgreSQL URL, or pass --to.`,
    });
  }
  return value;
}
