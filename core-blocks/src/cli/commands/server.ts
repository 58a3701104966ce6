import { readFileSync } from "node:fs";
import { InvalidInputError } from "../../errors/index.js";
import { createServer } from "../../server/index.js";
import type { CliContext } from "../context.js";
import type { ServerStartOptions } from "./server-commands.js";

/** The port `tessera server start` listens on when none is given. */
const defaultPort = 8470;

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InvalidInputError({
      subject: option,
      message: `Cannot read ${option} "${file}" (${(error as NodeJS.ErrnoException).code ?? "unreadable"}). Give a PEM file this user can read.`,
      cause: error,
    });
  }
}

/**
 * `tessera server start`: serves the current store until SIGINT or SIGTERM, then stops accepting
 * requests, lets running ones finish and returns (the CLI then closes the store).
 */
export async function serverStartCommand(
  context: CliContext,
  options: ServerStartOptions,
): Promise<void> {
  const port = options.port === undefined ? defaultPort : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidInputError({
      subject: "--port",
      message: `--port must be a whole number from 0 to 65535, not "${options.port}".`,
    });
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new InvalidInputError({
      subject: options.tlsCert === undefined ? "--tls-cert" : "--tls-key",
      message: "--tls-cert and --tls-key go together: give both to serve HTTPS.",
    });
  }
  const tls =
    options.tlsCert !== undefined && options.tlsKey !== undefined
      ? { cert: readPem(options.tlsCert, "--tls-cert"), key: readPem(options.tlsKey, "--tls-key") }
      : undefined;
  const store = await context.store();
  const server = await createServer({
    store,
    ...(tls ? { tls } : {}),
    ...(options.log ? { log: true } : {}),
  });
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const url = await server.listen({
    host: options.host ?? "127.0.0.1",
    port,
    insecureHttp: options.insecureHttp ?? false,
  });
  context.output.line(`Serving ${store.location} at ${url}`);
  const signal = await stopped;
  context.output.note(`Stopping (${signal}) ...`);
  await server.close();
}
