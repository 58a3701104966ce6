import { type Command, Option } from "commander";
import { example, positiveSeconds } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera result put|get|info|delete|prune`: persisted results in result storage. */
export function registerResultCommands(program: Command, context: CliContext): void {
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
          options: Parameters<typeof import("./result.js")["resultPutCommand"]>[3],
        ) => {
          const { resultPutCommand } = await import("./result.js");
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
          const { resultGetCommand } = await import("./result.js");
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
          const { resultInfoCommand } = await import("./result.js");
          await resultInfoCommand(context, key, options);
        },
      ),
    "tessera result info reports/2024-06 --json",
  );
  example(
    withStorage(result.command("delete").argument("<key>"))
      .description("delete a result (its record and payload)")
      .action(async (key: string, options: { storage?: string; prefix?: string }) => {
        const { resultDeleteCommand } = await import("./result.js");
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
          const { resultPruneCommand } = await import("./result.js");
          await resultPruneCommand(context, options);
        },
      ),
    "tessera result prune --dry-run",
    "tessera result prune --storage s3-bucket/results",
  );
}
