import type { Command } from "commander";
import { example } from "../command-options.js";
import type { CliContext } from "../context.js";

/** `tessera server start`: the registry over HTTP. */
export function registerServerCommands(program: Command, context: CliContext): void {
  const server = program.command("server").description("serve the block store over HTTP");
  example(server, "tessera server start --port 8470");
  example(
    server
      .command("start")
      .description(
        "serve this store's blocks, types, revisions and keys over HTTP until stopped (Ctrl-C)",
      )
      .option("--host <address>", "the address to listen on (default: 127.0.0.1)")
      .option("--port <number>", "the port to listen on (default: 8470; 0 picks a free one)")
      .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
      .option("--tls-key <file>", "the certificate's private key (PEM)")
      .option(
        "--insecure-http",
        "allow plain HTTP on an address other than loopback (behind a TLS proxy only)",
      )
      .option("--log", "log each request (method, path, status) to standard error")
      .action(async (options: ServerStartOptions) => {
        const { serverStartCommand } = await import("./server.js");
        await serverStartCommand(context, options);
      }),
    "tessera server start --host 0.0.0.0 --tls-cert server.pem --tls-key server-key.pem",
  );
}

/** Options of `tessera server start`. */
export interface ServerStartOptions {
  host?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  log?: boolean;
}
