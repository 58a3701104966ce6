import { randomBytes } from "node:crypto";
import { InvalidInputError } from "../../errors/index.js";
import { createServer } from "../../server/index.js";
import type { CliContext } from "../context.js";
import type { UiCommandOptions } from "./ui-commands.js";

/**
 * `tessera ui`: serves the web UI and the API over the current store on 127.0.0.1 only, until
 * SIGINT or SIGTERM. The printed link carries a one-time code in its fragment (never sent in a
 * request line, so never in a log); the page exchanges it once for a session token that lives in
 * this process's memory, and a second use of the link is refused.
 */
export async function uiCommand(context: CliContext, options: UiCommandOptions): Promise<void> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidInputError({
      subject: "--port",
      message: `--port must be a whole number from 0 to 65535, not "${options.port}".`,
    });
  }
  const store = await context.store();
  const code = randomBytes(24).toString("base64url");
  const server = await createServer({ store, ui: { oneTimeCode: code } });
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const url = await server.listen({ host: "127.0.0.1", port });
  context.output.line(`Serving ${store.location} at ${url}`);
  context.output.line(`Open ${url}/ui/#code=${code}`);
  context.output.note(
    "The link signs in once; run `tessera ui` again for a new one. Ctrl-C stops.",
  );
  const signal = await stopped;
  context.output.note(`Stopping (${signal}) ...`);
  await server.close();
}
