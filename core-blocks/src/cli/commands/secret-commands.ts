import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera secret set|get`: secret/<name> blocks. */
export function registerSecretCommands(program: Command, context: CliContext): void {
  const secret = program.command("secret").description("save and read secret/<name> blocks");
  example(secret, "tessera secret set db-password");
  example(
    secret
      .command("set")
      .description(
        "save a secret from a hidden prompt, standard input or an environment variable (never from an argument)",
      )
      .argument("<name>", "the secret's name, such as db-password")
      .option("--from-env <VARIABLE>", "take the value from this environment variable")
      .option(
        "--stdin",
        "read the value from standard input (text drops one trailing newline; bytes that are not UTF-8 text are kept exactly)",
      )
      .option(
        "--binary",
        "with --stdin: keep standard input's bytes exactly, even when they are text",
      )
      .allowExcessArguments(true)
      .action(
        async (
          name: string,
          options: { fromEnv?: string; stdin?: boolean; binary?: boolean },
          command: Command,
        ) => {
          const { setSecretCommand } = await import("./secret.js");
          await setSecretCommand(context, name, options, command.args.slice(1));
        },
      ),
    "tessera secret set db-password",
    'printf %s "$TOKEN" | tessera secret set api-token --stdin',
    "tessera secret set keystore --stdin --binary < keystore.p12",
    "tessera secret set api-token --from-env API_TOKEN",
  );
  example(
    secret
      .command("get")
      .description("print a secret's value (only with --reveal)")
      .argument("<name>", "the secret's name, such as db-password")
      .option("--reveal", "print the value in clear")
      .option("--raw", "with --reveal: write the value's exact bytes, with no newline")
      .option(
        "-o, --output <file>",
        "with --reveal: write the value's exact bytes to a file (0600)",
      )
      .option("--json", "print JSON")
      .action(
        async (
          name: string,
          options: { reveal?: boolean; json?: boolean; raw?: boolean; output?: string },
        ) => {
          const { getSecretCommand } = await import("./secret.js");
          await getSecretCommand(context, name, options);
        },
      ),
    "tessera secret get db-password --reveal",
    "tessera secret get keystore --reveal --output keystore.p12",
  );
}
