import { type Command, CommanderError } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { createContext } from "./context.js";
import { createOutput, type Output } from "./output.js";
import { createProgram } from "./program.js";
import { EXIT_USAGE, formatUsageProblem, reportError } from "./report-error.js";

/** commander codes that are not errors (help and version were printed). */
const informational = new Set(["commander.helpDisplayed", "commander.version", "commander.help"]);

class UsageFailure extends Error {
  constructor(
    readonly commanderError: CommanderError,
    readonly commandPath: string,
  ) {
    super(commanderError.message);
  }
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(" ");
}

/** Makes every command throw instead of exiting, remembering which command failed to parse. */
function throwInsteadOfExit(command: Command): void {
  command.exitOverride((error) => {
    throw new UsageFailure(error, commandPath(command));
  });
  for (const subcommand of command.commands) throwInsteadOfExit(subcommand);
}

/**
 * Rewrites `help <command…>` (at any level) as `<command…> --help`, so a mistyped name in
 * `tessera help blok` is an unknown command with a suggestion, like `tessera blok`, instead of the
 * parent's help.
 */
function helpAsOption(program: Command, argv: readonly string[]): string[] {
  const subcommand = (parent: Command, name: string) =>
    parent.commands.find((command) => command.name() === name || command.aliases().includes(name));
  let current = program;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const isHelpCommand =
      argument === "help" && current.commands.length > 0 && index + 1 < argv.length;
    if (isHelpCommand && !argv[index + 1]!.startsWith("-")) {
      const rest = argv.slice(index + 1);
      let target: Command | undefined = current;
      for (const name of rest) {
        if (name.startsWith("-")) break;
        target = subcommand(target, name);
        if (!target) break;
      }
      // A name that is not a command: leave it to commander's unknown-command error.
      return [...argv.slice(0, index), ...rest, ...(target ? ["--help"] : [])];
    }
    const next = subcommand(current, argument);
    if (!next) break;
    current = next;
  }
  return [...argv];
}

/**
 * Runs `tessera` with the given arguments (without `node` and the script) and returns the exit
 * status: 0 on success, 1 when the command failed, 2 when the command line does not parse.
 */
export async function runCli(
  argv: readonly string[],
  output: Output = createOutput(),
): Promise<number> {
  const context = createContext(output);
  const program = createProgram(context, packageJson.version);
  throwInsteadOfExit(program);
  try {
    await program.parseAsync(helpAsOption(program, argv), { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof UsageFailure) {
      const commanderError = error.commanderError;
      if (informational.has(commanderError.code)) return commanderError.exitCode;
      output.note(
        formatUsageProblem({
          commanderCode: commanderError.code,
          message: commanderError.message,
          commandPath: error.commandPath,
        }),
      );
      return EXIT_USAGE;
    }
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error, output);
  } finally {
    await context.close().catch(() => undefined);
  }
}
