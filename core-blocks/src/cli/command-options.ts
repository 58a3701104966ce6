import { type Command, InvalidArgumentError } from "commander";

/** Options every command that writes a document accepts (create, edit). */
export interface WriteValueOptions {
  /** `--set path=value`, repeatable. */
  set: string[];
  /** `--secret-from-env path=VARIABLE`, repeatable. */
  secretFromEnv: string[];
  /** `--secret-ref path=reference`, repeatable. */
  secretRef: string[];
  /** `--link path=type/name`, repeatable. */
  link: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function revisionNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`"${text}" is not a revision number (1, 2, 3, …).`);
  }
  return value;
}

export function positiveSeconds(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`"${text}" is not a number of seconds (1, 60, 86400, …).`);
  }
  return value;
}

export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText(
    "after",
    `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`,
  );
}

export function withValueOptions(command: Command): Command {
  return command
    .option(
      "--set <field=value>",
      "set a field; dotted paths reach nested fields (repeatable)",
      collect,
    )
    .option(
      "--secret-from-env <field=VARIABLE>",
      "set a secret field to the value of an environment variable (repeatable)",
      collect,
    )
    .option(
      "--secret-ref <field=reference>",
      "point a secret field at secret/<name>, env:NAME or <type>/<name> of a secret source (repeatable)",
      collect,
    )
    .option(
      "--link <field=type/name>",
      "point a nested block field at a saved block, stored as a reference (repeatable)",
      collect,
    );
}
