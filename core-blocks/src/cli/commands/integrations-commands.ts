import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera integrations`: installed integrations and their compatibility with core. */
export function registerIntegrationsCommand(program: Command, context: CliContext): void {
  example(
    program
      .command("integrations")
      .description(
        "list installed integrations, their core range and compatibility; duplicate copies of core",
      )
      .option("--json", "print JSON")
      .action(async (options: { json?: boolean }) => {
        const { integrationsCommand } = await import("./integrations.js");
        await integrationsCommand(context, options);
      }),
    "tessera integrations",
  );
}
