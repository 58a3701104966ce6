import { Command, InvalidArgumentError, Option } from "commander";
import type { CliContext } from "./context.js";

/** Options every command that writes a document accepts (create, edit). */
export interface WriteValueOptions {
  /** `--set path=value`, repeatable. */
  set: string[];
  /** `--secret-from-env path=VARIABLE`, repeatable. */
  secretFromEnv: string[];
  /** `--secret-ref path=reference`, repeatable. */
  secretRef: string[];
  /** `--link path=type/name`, repeatable. */
  link: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function revisionNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`"${text}" is not a revision number (1, 2, 3, …).`);
  }
  return value;
}

function positiveSeconds(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`"${text}" is not a number of seconds (1, 60, 86400, …).`);
  }
  return value;
}

function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText(
    "after",
    `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`,
  );
}

function withValueOptions(command: Command): Command {
  return command
    .option(
      "--set <field=value>",
      "set a field; dotted paths reach nested fields (repeatable)",
      collect,
    )
    .option(
      "--secret-from-env <field=VARIABLE>",
      "set a secret field to the value of an environment variable (repeatable)",
      collect,
    )
    .option(
      "--secret-ref <field=reference>",
      "point a secret field at secret/<name>, env:NAME or <type>/<name> of a secret source (repeatable)",
      collect,
    )
    .option(
      "--link <field=type/name>",
      "point a nested block field at a saved block, stored as a reference (repeatable)",
      collect,
    );
}

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
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: () => {},
    });
  example(program, "tessera block ls", "tessera block inspect s3-bucket/results --json");

  // block ---------------------------------------------------------------------------------------
  const block = program
    .command("block")
    .description("register block types and manage saved blocks");
  example(block, "tessera block ls --type s3-bucket");

  example(
    block
      .command("register")
      .description("register the block types an integration package or a local module defines")
      .addOption(new Option("-m, --module <package>", "an installed package, such as @tessera/aws"))
      .addOption(new Option("-f, --file <path>", "a local ES module file that defines block types"))
      .option("--json", "print the registered types as JSON")
      .action(async (options: { module?: string; file?: string; json?: boolean }) => {
        const { registerCommand } = await import("./commands/block-register.js");
        await registerCommand(context, options);
      }),
    "tessera block register -m @tessera/aws",
    "tessera block register -f ./blocks/warehouse.mjs",
  );

  const type = block.command("type").description("list and inspect registered block types");
  example(type, "tessera block type ls");
  example(
    type
      .command("ls")
      .description("list the block types recorded in the store")
      .option("--json", "print JSON")
      .action(async (options: { json?: boolean }) => {
        const { listTypesCommand } = await import("./commands/block-types.js");
        await listTypesCommand(context, options);
      }),
    "tessera block type ls --json",
  );
  example(
    type
      .command("inspect")
      .description(
        "show a block type: fields, defaults, secret fields, capabilities, checksum, package",
      )
      .argument("<type>", "type slug, such as s3-bucket")
      .option("--json", "print JSON")
      .action(async (typeSlug: string, options: { json?: boolean }) => {
        const { inspectTypeCommand } = await import("./commands/block-types.js");
        await inspectTypeCommand(context, typeSlug, options);
      }),
    "tessera block type inspect s3-bucket",
  );

  example(
    block
      .command("ls")
      .description("list saved blocks")
      .option("-t, --type <type>", "only blocks of this type")
      .option("--json", "print JSON")
      .action(async (options: { type?: string; json?: boolean }) => {
        const { listBlocksCommand } = await import("./commands/block-list.js");
        await listBlocksCommand(context, options);
      }),
    "tessera block ls --type s3-bucket",
  );

  example(
    block
      .command("inspect")
      .description("show a saved block; secrets are masked unless --show-secrets")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .option("-r, --revision <n>", "an earlier revision", revisionNumber)
      .option("--show-secrets", "print secret values in clear (they appear on your screen)")
      .addOption(
        new Option(
          "--keep-markers",
          'print { "$keep": true } for each stored secret instead of "********", ready to edit and write back with block edit --from-file',
        ).conflicts("showSecrets"),
      )
      .option("--json", "print JSON")
      .action(
        async (
          slug: string,
          options: {
            revision?: number;
            showSecrets?: boolean;
            keepMarkers?: boolean;
            json?: boolean;
          },
        ) => {
          const { inspectBlockCommand } = await import("./commands/block-inspect.js");
          await inspectBlockCommand(context, slug, options);
        },
      ),
    "tessera block inspect s3-bucket/results",
    "tessera block inspect s3-bucket/results --revision 2 --json",
    "tessera block inspect s3-bucket/results --json --keep-markers > results.json",
  );

  example(
    withValueOptions(
      block
        .command("create")
        .description("save a new block; fields not given are prompted for on a terminal")
        .argument("<type>", "type slug, such as s3-bucket")
        .argument("<name>", "the block's name, such as results"),
    )
      .option(
        "--from-file <path>",
        "read field values from a JSON or YAML file, or `block inspect --json` output (- for stdin)",
      )
      .option(
        "--literal-secrets",
        'store a secret field holding "********" as that text (by default it is refused)',
      )
      .option("--overwrite", "replace a block already saved under the name (as a new revision)")
      .option("--no-input", "never prompt; fail when a required field is missing")
      .option("--json", "print the saved block as JSON")
      .action(
        async (
          typeSlug: string,
          name: string,
          options: WriteValueOptions & {
            fromFile?: string;
            literalSecrets?: boolean;
            input: boolean;
            overwrite?: boolean;
            json?: boolean;
          },
        ) => {
          const { createBlockCommand } = await import("./commands/block-write.js");
          await createBlockCommand(context, typeSlug, name, options);
        },
      ),
    "tessera block create s3-bucket results --set bucketName=my-results --set credentials.region=eu-west-1",
    "tessera block create slack-webhook alerts --secret-from-env url=SLACK_WEBHOOK_URL",
    "tessera block create s3-bucket results --from-file results.yaml",
  );

  example(
    withValueOptions(
      block
        .command("edit")
        .description(
          "change fields of a saved block (compare-and-swap: a concurrent change is refused)",
        )
        .argument("<slug>", "type/name, such as s3-bucket/results"),
    )
      .option(
        "--from-file <path>",
        "replace the fields with a JSON or YAML file's, such as edited `block inspect --json` output (- for stdin)",
      )
      .option(
        "--literal-secrets",
        'store a secret field holding "********" as that text (by default it is refused)',
      )
      .option("--json", "print the saved block as JSON")
      .action(
        async (
          slug: string,
          options: WriteValueOptions & {
            fromFile?: string;
            literalSecrets?: boolean;
            json?: boolean;
          },
        ) => {
          const { editBlockCommand } = await import("./commands/block-write.js");
          await editBlockCommand(context, slug, options);
        },
      ),
    "tessera block edit s3-bucket/results --set bucketFolder=nightly",
    'tessera block inspect s3-bucket/results --json > results.json   # edit it; keep a secret with { "$keep": true }',
    "tessera block edit s3-bucket/results --from-file results.json",
  );

  example(
    block
      .command("delete")
      .description("delete a saved block and all its revisions")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .option("--force", "delete even when other blocks reference it (they will fail to load)")
      .action(async (slug: string, options: { force?: boolean }) => {
        const { deleteBlockCommand } = await import("./commands/block-delete.js");
        await deleteBlockCommand(context, slug, options);
      }),
    "tessera block delete s3-bucket/old-results",
  );

  example(
    block
      .command("history")
      .description("list the kept revisions of a block, newest first")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .option("--json", "print JSON")
      .action(async (slug: string, options: { json?: boolean }) => {
        const { historyCommand } = await import("./commands/block-history.js");
        await historyCommand(context, slug, options);
      }),
    "tessera block history s3-bucket/results",
  );

  example(
    block
      .command("rollback")
      .description("save an earlier revision's content as the newest revision")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .argument("<revision>", "the revision to restore", revisionNumber)
      .option("--json", "print the new revision as JSON")
      .action(async (slug: string, revision: number, options: { json?: boolean }) => {
        const { rollbackCommand } = await import("./commands/block-history.js");
        await rollbackCommand(context, slug, revision, options);
      }),
    "tessera block rollback s3-bucket/results 3",
  );

  example(
    block
      .command("rename")
      .description("move a block to a new name in its type, keeping its id, history and referrers")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .argument("<new-name>", "the new name, such as nightly-results")
      .option("--json", "print the moved block as JSON")
      .action(async (slug: string, newName: string, options: { json?: boolean }) => {
        const { renameCommand } = await import("./commands/block-history.js");
        await renameCommand(context, slug, newName, options);
      }),
    "tessera block rename s3-bucket/results nightly-results",
  );

  example(
    block
      .command("diff")
      .description(
        "compare two revisions; secret fields say changed or unchanged, never their values",
      )
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .argument("<revA>", "the older revision", revisionNumber)
      .argument("<revB>", "the newer revision", revisionNumber)
      .option("--json", "print JSON")
      .action(async (slug: string, revA: number, revB: number, options: { json?: boolean }) => {
        const { diffCommand } = await import("./commands/block-diff.js");
        await diffCommand(context, slug, revA, revB, options);
      }),
    "tessera block diff s3-bucket/results 1 2",
  );

  // secret --------------------------------------------------------------------------------------
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
          const { setSecretCommand } = await import("./commands/secret.js");
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
          const { getSecretCommand } = await import("./commands/secret.js");
          await getSecretCommand(context, name, options);
        },
      ),
    "tessera secret get db-password --reveal",
    "tessera secret get keystore --reveal --output keystore.p12",
  );

  // key -----------------------------------------------------------------------------------------
  const key = program.command("key").description("master encryption keys");
  example(key, "tessera key status");
  example(
    key
      .command("status")
      .description("show the master keys in use and how many documents each one protects")
      .option("--json", "print JSON")
      .action(async (options: { json?: boolean }) => {
        const { keyStatusCommand } = await import("./commands/key.js");
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
        const { keyRotateCommand } = await import("./commands/key.js");
        await keyRotateCommand(context, options);
      }),
    "tessera key rotate --new-key",
    'TESSERA_ENCRYPTION_KEY="$NEW_KEY,$OLD_KEY" tessera key rotate',
  );

  // result --------------------------------------------------------------------------------------
  const result = program
    .command("result")
    .description(
      "persisted results: store, read, inspect, delete and prune them in result storage (default $TESSERA_HOME/results)",
    );
  example(result, "tessera result info persisted/report/3f9a…");
  const withStorage = (command: Command) =>
    command
      .option(
        "--storage <type/name>",
        "a saved storage block (default: TESSERA_RESULT_STORAGE, else $TESSERA_HOME/results)",
      )
      .option("--prefix <folder>", "the folder of the result store inside the storage");
  example(
    withStorage(
      result.command("put").argument("<key>").argument("<file>", "a file, or - for standard input"),
    )
      .description("store a file's bytes as a result (streamed, with a progress bar on a terminal)")
      .option("--expires-in <seconds>", "how long the result stays fresh", positiveSeconds)
      .addOption(
        new Option("--compression <kind>", "compress the stored payload").choices([
          "gzip",
          "brotli",
        ]),
      )
      .option("--json", "print the metadata record as JSON")
      .action(
        async (
          key: string,
          file: string,
          options: Parameters<typeof import("./commands/result.js")["resultPutCommand"]>[3],
        ) => {
          const { resultPutCommand } = await import("./commands/result.js");
          await resultPutCommand(context, key, file, options);
        },
      ),
    "tessera result put reports/2024-06 ./report.parquet --expires-in 86400",
    "tessera result put big/input - --storage s3-bucket/results < input.bin",
  );
  example(
    withStorage(result.command("get").argument("<key>"))
      .description("write a result's bytes to a file or standard output (checksum verified)")
      .option("-o, --output <file>", "write to a file (with a progress bar on a terminal)")
      .action(
        async (key: string, options: { storage?: string; prefix?: string; output?: string }) => {
          const { resultGetCommand } = await import("./commands/result.js");
          await resultGetCommand(context, key, options);
        },
      ),
    "tessera result get reports/2024-06 -o report.parquet",
  );
  example(
    withStorage(result.command("info").argument("<key>"))
      .description("show a result's metadata record: serializer, created, expires, size, SHA-256")
      .option("--json", "print JSON")
      .action(
        async (key: string, options: { storage?: string; prefix?: string; json?: boolean }) => {
          const { resultInfoCommand } = await import("./commands/result.js");
          await resultInfoCommand(context, key, options);
        },
      ),
    "tessera result info reports/2024-06 --json",
  );
  example(
    withStorage(result.command("delete").argument("<key>"))
      .description("delete a result (its record and payload)")
      .action(async (key: string, options: { storage?: string; prefix?: string }) => {
        const { resultDeleteCommand } = await import("./commands/result.js");
        await resultDeleteCommand(context, key, options);
      }),
    "tessera result delete reports/2024-06",
  );

  example(
    withStorage(result.command("prune"))
      .description(
        "remove expired results and payloads left by failed writes, listing what was removed",
      )
      .option("--dry-run", "list the expired results without removing anything")
      .option("--json", "print JSON")
      .action(
        async (options: {
          storage?: string;
          prefix?: string;
          dryRun?: boolean;
          json?: boolean;
        }) => {
          const { resultPruneCommand } = await import("./commands/result.js");
          await resultPruneCommand(context, options);
        },
      ),
    "tessera result prune --dry-run",
    "tessera result prune --storage s3-bucket/results",
  );

  // integrations --------------------------------------------------------------------------------
  example(
    program
      .command("integrations")
      .description(
        "list installed integrations, their core range and compatibility; duplicate copies of core",
      )
      .option("--json", "print JSON")
      .action(async (options: { json?: boolean }) => {
        const { integrationsCommand } = await import("./commands/integrations.js");
        await integrationsCommand(context, options);
      }),
    "tessera integrations",
  );

  return program;
}
