import type { Command } from "commander";
import { example, positiveSeconds } from "../command-options.js";
import type { CliContext } from "../context.js";

/** Options of `tessera notify`. */
export interface NotifyCommandOptions {
  subject?: string;
  body?: string;
  bodyFile?: string;
  blocksFile?: string;
  deadline?: number;
  json?: boolean;
}

/** `tessera notify <slug>`: send a message through a saved notifier. */
export function registerNotifyCommands(program: Command, context: CliContext): void {
  example(
    program
      .command("notify")
      .description(
        "send a message through a saved notifier (webhook/<name>, slack-webhook/<name>, slack-credentials/<name>)",
      )
      .argument("<slug>", "the notifier, such as slack-webhook/ops")
      .option("--subject <text>", "the first line (a title)")
      .option("--body <text>", "the message text")
      .option("--body-file <file>", "read the message text from a file (- reads standard input)")
      .option(
        "--blocks-file <file>",
        "provider blocks (Slack Block Kit) as a JSON array, from a file",
      )
      .option(
        "--deadline <seconds>",
        "give up after this many seconds (default 30)",
        positiveSeconds,
      )
      .option("--json", "print the result as JSON")
      .action(async (slug: string, options: NotifyCommandOptions) => {
        const { notifyCommand } = await import("./notify.js");
        await notifyCommand(context, slug, options);
      }),
    'tessera notify slack-webhook/ops --subject "Nightly load" --body "42 rows rejected"',
    'tail -n 50 load.log | tessera notify webhook/pager --subject "Load failed" --body-file -',
  );
}
