import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera token create`: API tokens for `tessera server`. */
export function registerTokenCommands(program: Command, context: CliContext): void {
  const token = program.command("token").description("API tokens for tessera server");
  example(token, "tessera token create --name etl-worker --scope read");
  example(
    token
      .command("create")
      .description(
        "make an API token and print it once; the store keeps only its hash (scopes: read, write, reveal, admin)",
      )
      .requiredOption("--name <name>", "who holds the token, such as etl-worker")
      .requiredOption("--scope <scope>", "read, write, reveal or admin")
      .option("--json", "print the token and its record as JSON")
      .action(async (options: { name: string; scope: string; json?: boolean }) => {
        const { tokenCreateCommand } = await import("./token.js");
        await tokenCreateCommand(context, options);
      }),
    "tessera token create --name deploy-bot --scope write --json",
  );
}
