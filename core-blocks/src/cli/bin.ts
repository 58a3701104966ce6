#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// `tessera block ls | head -1`: the reader went away; stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

process.exitCode = await runCli(process.argv.slice(2));
