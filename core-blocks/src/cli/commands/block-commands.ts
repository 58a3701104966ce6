import { type Command, Option } from "commander";
import {
  example,
  revisionNumber,
  type WriteValueOptions,
  withValueOptions,
} from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera block …`: block types, saved blocks and their revisions. */
export function registerBlockCommands(program: Command, context: CliContext): void {
  const block = program
    .command("block")
    .description("register block types and manage saved blocks");
  example(block, "tessera block ls --type s3-bucket");

  registerTypeCommands(block, context);
  registerReadCommands(block, context);
  registerWriteCommands(block, context);
  registerRevisionCommands(block, context);
}

/** `block register` and `block type ls|inspect`. */
function registerTypeCommands(block: Command, context: CliContext): void {
  example(
    block
      .command("register")
      .description("register the block types an integration package or a local module defines")
      .addOption(new Option("-m, --module <package>", "an installed package, such as @tessera/aws"))
      .addOption(new Option("-f, --file <path>", "a local ES module file that defines block types"))
      .option("--json", "print the registered types as JSON")
      .action(async (options: { module?: string; file?: string; json?: boolean }) => {
        const { registerCommand } = await import("./block-register.js");
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
        const { listTypesCommand } = await import("./block-types.js");
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
        const { inspectTypeCommand } = await import("./block-types.js");
        await inspectTypeCommand(context, typeSlug, options);
      }),
    "tessera block type inspect s3-bucket",
  );
}

/** `block ls` and `block inspect`. */
function registerReadCommands(block: Command, context: CliContext): void {
  example(
    block
      .command("ls")
      .description("list saved blocks")
      .option("-t, --type <type>", "only blocks of this type")
      .option("--json", "print JSON")
      .action(async (options: { type?: string; json?: boolean }) => {
        const { listBlocksCommand } = await import("./block-list.js");
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
          const { inspectBlockCommand } = await import("./block-inspect.js");
          await inspectBlockCommand(context, slug, options);
        },
      ),
    "tessera block inspect s3-bucket/results",
    "tessera block inspect s3-bucket/results --revision 2 --json",
    "tessera block inspect s3-bucket/results --json --keep-markers > results.json",
  );
}

/** `block create`, `block edit` and `block delete`. */
function registerWriteCommands(block: Command, context: CliContext): void {
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
          const { createBlockCommand } = await import("./block-write.js");
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
          const { editBlockCommand } = await import("./block-write.js");
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
        const { deleteBlockCommand } = await import("./block-delete.js");
        await deleteBlockCommand(context, slug, options);
      }),
    "tessera block delete s3-bucket/old-results",
  );
}

/** `block history`, `block rollback`, `block rename` and `block diff`. */
function registerRevisionCommands(block: Command, context: CliContext): void {
  example(
    block
      .command("history")
      .description("list the kept revisions of a block, newest first")
      .argument("<slug>", "type/name, such as s3-bucket/results")
      .option("--json", "print JSON")
      .action(async (slug: string, options: { json?: boolean }) => {
        const { historyCommand } = await import("./block-history.js");
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
        const { rollbackCommand } = await import("./block-history.js");
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
      .option("--force", "rename even when secret references name it by slug (they stop resolving)")
      .action(
        async (slug: string, newName: string, options: { json?: boolean; force?: boolean }) => {
          const { renameCommand } = await import("./block-history.js");
          await renameCommand(context, slug, newName, options);
        },
      ),
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
        const { diffCommand } = await import("./block-diff.js");
        await diffCommand(context, slug, revA, revB, options);
      }),
    "tessera block diff s3-bucket/results 1 2",
  );
}
