import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera store copy`: moving the registry to another store. */
export function registerStoreCommands(program: Command, context: CliContext): void {
  const store = program.command("store").description("the block store itself");
  example(store, "tessera store copy --to postgres://tessera@db.internal:5432/tessera");
  example(
    store
      .command("copy")
      .description(
        "copy this store (documents, revisions, block types, data keys) into PostgreSQL; resumable, verified by checksum",
      )
      .option(
        "--to <url>",
        "the PostgreSQL database, postgres://user@host/db (a password here is visible to other users of the machine: give it in PGPASSWORD, or use --to-env)",
      )
      .option("--to-env <variable>", "the environment variable that holds the database URL")
      .option("--schema <name>", "the PostgreSQL schema to copy into (default: tessera)")
      .option("--json", "print the result as JSON")
      .action(async (options: { to?: string; toEnv?: string; schema?: string; json?: boolean }) => {
        const { storeCopyCommand } = await import("./store.js");
        await storeCopyCommand(context, options);
      }),
    "tessera store copy --to-env TEAM_DB_URL --schema team",
  );
}
