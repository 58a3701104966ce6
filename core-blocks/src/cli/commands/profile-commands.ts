import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera profile …` and `tessera config`: named ways to reach a store, and what is in force. */
export function registerProfileCommands(program: Command, context: CliContext): void {
  const profile = program
    .command("profile")
    .description("named stores: a server or a database, with credentials read from variables");
  example(
    profile,
    "tessera profile create team --api-url https://blocks.internal:8470 --api-key-env TEAM_TOKEN",
    "tessera profile use team",
  );
  example(
    profile
      .command("create <name>")
      .description(
        "save a profile; it holds names of environment variables, never a token or password",
      )
      .option("--api-url <url>", "the tessera server to use")
      .option("--api-key-env <VARIABLE>", "the environment variable that holds the API token")
      .option("--db-url-env <VARIABLE>", "the environment variable that holds a PostgreSQL URL")
      .option("--db-schema <schema>", "the PostgreSQL schema (default: tessera)")
      .option("--use", "also make it the profile in use")
      .action(async (name: string, options: ProfileCreateOptions) => {
        const { profileCreateCommand } = await import("./profile.js");
        profileCreateCommand(context, name, options);
      }),
    "tessera profile create team --api-url https://blocks.internal:8470 --api-key-env TEAM_TOKEN",
    "tessera profile create warehouse --db-url-env WAREHOUSE_DB_URL --use",
  );
  example(
    profile
      .command("use <name>")
      .description("use this profile when neither --profile nor the environment chooses a store")
      .action(async (name: string) => {
        const { profileUseCommand } = await import("./profile.js");
        profileUseCommand(context, name);
      }),
    "tessera profile use team",
  );
  example(
    profile
      .command("list")
      .alias("ls")
      .description("list the saved profiles; * marks the one in use")
      .option("--json", "print the profiles as JSON")
      .action(async (options: { json?: boolean }) => {
        const { profileListCommand } = await import("./profile.js");
        profileListCommand(context, options);
      }),
    "tessera profile list --json",
  );
  example(
    profile
      .command("delete <name>")
      .description("delete a saved profile")
      .action(async (name: string) => {
        const { profileDeleteCommand } = await import("./profile.js");
        profileDeleteCommand(context, name);
      }),
    "tessera profile delete team",
  );

  example(
    program
      .command("config")
      .description(
        "show the store, API key variable, master key source and project configuration in force, and why",
      )
      .option("--json", "print it as JSON")
      .action(async (options: { json?: boolean }) => {
        const { configCommand } = await import("./profile.js");
        configCommand(context, options);
      }),
    "tessera --profile team config --json",
  );
}

/** Options of `tessera profile create`. */
export interface ProfileCreateOptions {
  apiUrl?: string;
  apiKeyEnv?: string;
  dbUrlEnv?: string;
  dbSchema?: string;
  use?: boolean;
}
