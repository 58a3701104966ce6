import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera token create|list|revoke`: API tokens for `tessera server`. */
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
      .option(
        "--types <types>",
        "limit the token to these block types, separated by commas (s3-bucket,aws-credentials)",
      )
      .option(
        "--expires <when>",
        "when the token stops working: a duration (30d, 12h, 2w) or a time (2027-01-31T00:00:00Z)",
      )
      .option("--json", "print the token and its record as JSON")
      .action(
        async (options: {
          name: string;
          scope: string;
          types?: string;
          expires?: string;
          json?: boolean;
        }) => {
          const { tokenCreateCommand } = await import("./token.js");
          await tokenCreateCommand(context, options);
        },
      ),
    "tessera token create --name deploy-bot --scope write --types s3-bucket --expires 30d --json",
  );
  example(
    token
      .command("list")
      .description(
        "list tokens: name, id, scope, types, created, expires, revoked (never the token)",
      )
      .option("--json", "print the records as JSON")
      .action(async (options: { json?: boolean }) => {
        const { tokenListCommand } = await import("./token.js");
        await tokenListCommand(context, options);
      }),
    "tessera token list --json",
  );
  example(
    token
      .command("revoke")
      .description("revoke every token of a name, or one token by its id (from tessera token list)")
      .argument("<name-or-id>", "a token name, or a token id")
      .option("--json", "print the revoked records as JSON")
      .action(async (nameOrId: string, options: { json?: boolean }) => {
        const { tokenRevokeCommand } = await import("./token.js");
        await tokenRevokeCommand(context, nameOrId, options);
      }),
    "tessera token revoke etl-worker",
  );
}
