import { TesseraError } from "../errors/index.js";
import { redactorKey } from "../protocol/index.js";
import type { Output } from "./output.js";

/**
 * Scrubs every secret revealed in this process from `text`. Read through the global slot, so
 * printing an error never loads the secrets module: a process that did not load it revealed nothing.
 */
function scrub(text: string): string {
  const redactor = (globalThis as { [redactorKey]?: { redact?: (text: string) => string } })[
    redactorKey
  ];
  return redactor?.redact ? redactor.redact(text) : text;
}

/** Exit status of a command that failed because of what the user asked (a Tessera error). */
const EXIT_FAILURE = 1;
/** Exit status of a command the user interrupted with Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;
/** Exit status of a command line that does not parse (unknown command or option, missing argument). */
export const EXIT_USAGE = 2;

/** A command-line parsing error from commander, with the command it happened in. */
export interface UsageProblem {
  /** commander's code, such as `commander.unknownCommand`. */
  commanderCode: string;
  /** commander's message, such as `error: unknown option '--tpye'\n(Did you mean --type?)`. */
  message: string;
  /** The command path, such as `tessera block ls`. */
  commandPath: string;
}

const usageCodes: Record<string, string> = {
  "commander.unknownCommand": "UNKNOWN_COMMAND",
  "commander.unknownOption": "UNKNOWN_OPTION",
  "commander.missingArgument": "MISSING_ARGUMENT",
  "commander.optionMissingArgument": "MISSING_OPTION_VALUE",
  "commander.missingMandatoryOptionValue": "MISSING_OPTION",
  "commander.conflictingOption": "CONFLICTING_OPTIONS",
  "commander.excessArguments": "TOO_MANY_ARGUMENTS",
  "commander.invalidArgument": "INVALID_ARGUMENT",
};

/** One line for a parsing error: `error UNKNOWN_OPTION: unknown option '--tpye'. Did you mean --type? …`. */
export function formatUsageProblem(problem: UsageProblem): string {
  const code = usageCodes[problem.commanderCode] ?? "USAGE";
  const text = problem.message
    .replace(/^error:\s*/, "")
    .replace(/\s*\n\s*\(Did you mean (.+)\?\)\s*$/, ". Did you mean $1?")
    .replace(/\s+/g, " ")
    .trim();
  const sentence = /[.?!]$/.test(text) ? text : `${text}.`;
  return scrub(
    `error ${code}: ${sentence} Run \`${problem.commandPath} --help\` to see what it takes.`,
  );
}

/**
 * Prints an error as one line, `error <CODE>: <message>`, to standard error, and returns the exit
 * status. Stacks are printed only when `TESSERA_DEBUG=1`. Errors print their message only (never
 * their fields or cause), and everything printed, stacks and errors that do not come from Tessera
 * included, goes through the redactor.
 */
export function reportError(
  error: unknown,
  output: Output,
  environment: NodeJS.ProcessEnv = process.env,
): number {
  const debug = environment.TESSERA_DEBUG === "1" || environment.TESSERA_DEBUG === "true";
  const { red, bold } = output.errorColors;
  if (TesseraError.isInstance(error)) {
    output.note(`${red(bold(`error ${error.code}`))}: ${scrub(oneLine(cliWording(error)))}`);
    if (error.code === "INTERRUPTED") return EXIT_INTERRUPTED;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    output.note(
      `${red(bold("error UNEXPECTED"))}: ${scrub(oneLine(message))}${debug ? "" : " (run again with TESSERA_DEBUG=1 to see where it happened)"}`,
    );
  }
  if (debug && error instanceof Error && error.stack) output.note(scrub(error.stack));
  return EXIT_FAILURE;
}

/**
 * The message of a library error in command-line words. Library errors advise in code
 * (`{ overwrite: true }`, `expectedRevision`, "save the nested block again"); at the command line
 * the same advice is a command or option. Built from the error's fields, so it stays correct when
 * the library's wording changes; other errors keep their message.
 */
function cliWording(error: TesseraError): string {
  const fields = error as unknown as Record<string, unknown>;
  const slug = typeof fields.slug === "string" ? fields.slug : undefined;
  // An error built with advice already says what to do in the caller's words.
  if (slug === undefined || fields.advice !== undefined) return error.message;
  const [type = "<type>", name = "<name>"] = slug.split("/");
  switch (error.code) {
    case "BLOCK_EXISTS":
      return `A block is already saved as "${slug}". Change it with \`tessera block edit ${slug} --set …\`, replace it with \`tessera block create ${type} ${name} --overwrite …\`, or choose another name.`;
    case "REVISION_CONFLICT": {
      const actual = Number(fields.actualRevision);
      const now = actual === 0 ? "it no longer exists" : `it is now at revision ${actual}`;
      return `"${slug}" changed while this command ran: ${now}. Run the command again to apply your change to what is stored now; with --from-file, run \`tessera block inspect ${slug} --json --keep-markers\` again and re-apply your edits to that file.`;
    }
    case "REFERENCE_NOT_FOUND": {
      const missing = typeof fields.missing === "string" ? fields.missing : "?";
      return `"${slug}" links a nested block (${missing}) that no longer exists (it was deleted with --force). Link another one with \`tessera block edit ${slug} --link <field>=<type>/<name>\` (create it first with \`tessera block create\` if needed), or give the nested fields with --set.`;
    }
    default:
      return error.message;
  }
}

/** Folds a multi-line message (such as a list of invalid fields) into one line. */
export function oneLine(text: string): string {
  return (
    text
      .replace(/:\s*\n\s*-\s+/g, ": ")
      .replace(/\s*\n\s*-\s+/g, "; ")
      // A line that ends without punctuation ends a sentence: "…a digit" + "Fix the field" → "…a digit. Fix…".
      .replace(/([^.,:;!?\s])\s*\n\s*/g, "$1. ")
      .replace(/\s*\n\s*/g, " ")
      .trim()
  );
}
