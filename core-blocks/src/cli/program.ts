import { Command } from "commander";
import { setProfileFlag } from "../store/index.js";
import { example } from "./command-options.js";
import { registerBlockCommands } from "./commands/block-commands.js";
import { registerIntegrationsCommand } from "./commands/integrations-commands.js";
import { registerKeyCommands } from "./commands/key-commands.js";
import { registerNotifyCommands } from "./commands/notify-commands.js";
import { registerProfileCommands } from "./commands/profile-commands.js";
import { registerResultCommands } from "./commands/result-commands.js";
import { registerSecretCommands } from "./commands/secret-commands.js";
import { registerServerCommands } from "./commands/server-commands.js";
import { registerStoreCommands } from "./commands/store-commands.js";
import { registerTokenCommands } from "./commands/token-commands.js";
import { registerUiCommands } from "./commands/ui-commands.js";
import type { CliContext } from "./context.js";

/**
 * Builds the `tessera` command tree. Every action imports its implementation on first use, so
 * starting the CLI loads only commander and the code of the command that runs.
 */
export function createProgram(context: CliContext, version: string): Command {
  const program = new Command("tessera")
    .description(
      "Typed, versioned configuration blocks: register types, save blocks, manage secrets.",
    )
    .version(version, "-v, --version", "print the version of @tessera/core")
    .option(
      "--profile <name>",
      "use this saved profile's store, above TESSERA_DATABASE_URL, TESSERA_API_URL and TESSERA_PROFILE",
    )
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: () => {},
    });
  example(program, "tessera block ls", "tessera block inspect s3-bucket/results --json");

  registerBlockCommands(program, context);
  registerSecretCommands(program, context);
  registerKeyCommands(program, context);
  registerResultCommands(program, context);
  registerIntegrationsCommand(program, context);
  registerNotifyCommands(program, context);
  registerStoreCommands(program, context);
  registerServerCommands(program, context);
  registerTokenCommands(program, context);
  registerProfileCommands(program, context);
  program.hook("preAction", () => {
    setProfileFlag(program.opts<{ profile?: string }>().profile);
  });
  registerUiCommands(program, context);
  return program;
}
