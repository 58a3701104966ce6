import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera key status|rotate`: master encryption keys. */
export function registerKeyCommands(program: Command, context: CliContext): void {
  const key = program.command("key").description("master encryption keys");
  example(key, "tessera key status");
  example(
    key
      .command("status")
      .description("show the master keys in use and how many documents each one protects")
      .option("--json", "print JSON")
      .action(async (options: { json?: boolean }) => {
        const { keyStatusCommand } = await import("./key.js");
        await keyStatusCommand(context, options);
      }),
    "tessera key status --json",
  );
  example(
    key
      .command("rotate")
      .description("re-wrap every document's data key under the newest master key (resumable)")
      .option("--new-key", "first add a new random key at the top of the key file (key file only)")
      .option(
        "--retire-old-keys",
        "after a complete rotation, drop keys that wrap nothing from the key file (keep a backup)",
      )
      .option("--json", "print the result as JSON")
      .action(async (options: { json?: boolean; newKey?: boolean; retireOldKeys?: boolean }) => {
        const { keyRotateCommand } = await import("./key.js");
        await keyRotateCommand(context, options);
      }),
    "tessera key rotate --new-key",
    'TESSERA_ENCRYPTION_KEY="$NEW_KEY,$OLD_KEY" tessera key rotate',
  );
}
