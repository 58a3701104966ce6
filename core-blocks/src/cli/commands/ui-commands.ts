import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera ui`: the web UI on this machine's store. */
export function registerUiCommands(program: Command, context: CliContext): void {
  example(
    program
      .command("ui")
      .description(
        "open the web UI on this store: serves it on 127.0.0.1 and prints a link with a one-time sign-in code",
      )
      .option("--port <number>", "the port to listen on (default: 0, a free one)")
      .action(async (options: UiCommandOptions) => {
        const { uiCommand } = await import("./ui.js");
        await uiCommand(context, options);
      }),
    "tessera ui --port 8471",
  );
}

/** Options of `tessera ui`. */
export interface UiCommandOptions {
  port?: string;
}
