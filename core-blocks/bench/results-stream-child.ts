/**
 * Child process of the results benchmark: streams a generated result of the given size through a
 * ResultStore on a LocalFileSystem (put from a stream, then getStream and hash), checks that the
 * bytes came back, and prints its peak resident memory (VmHWM) in MB as JSON.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { LocalFileSystem, ResultStore } from "../src/results/index.js";

const [basePath, megabytesText] = process.argv.slice(2);
if (!basePath || !megabytesText)
  throw new Error("usage: results-stream-child <basePath> <megabytes>");
const chunkSize = 1 << 20;
const chunks = Number(megabytesText);

const store = new ResultStore({
  storage: new LocalFileSystem({ basePath }),
  serializer: "binary",
});

const written = createHash("sha256");
await store.put(
  "large/result",
  Readable.from(
    (function* () {
      for (let index = 0; index < chunks; index++) {
        // Fresh memory for every chunk, so buffering anywhere would show in the peak.
        const chunk = Buffer.allocUnsafe(chunkSize).fill(index % 251);
        chunk.writeUInt32BE(index, 0);
        written.update(chunk);
        yield chunk;
      }
    })(),
  ),
  { contentLength: chunks * chunkSize },
);

const read = createHash("sha256");
let bytes = 0;
for await (const chunk of await store.getStream("large/result")) {
  read.update(chunk as Buffer);
  bytes += (chunk as Buffer).length;
}
if (bytes !== chunks * chunkSize || read.digest("hex") !== written.digest("hex")) {
  throw new Error("the streamed result did not come back intact");
}
const status = readFileSync("/proc/self/status", "utf8");
const peakKilobytes = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]);
process.stdout.write(`${JSON.stringify({ peakMegabytes: peakKilobytes / 1024 })}\n`);
