// Persisting results: a large result streamed into a ResultStore on a LocalFileSystem with a
// progress bar, read back and verified against its checksum, then a function wrapped with
// `persisted` that computes once and reads its result back on the next call.
// Run it from the repository root after `pnpm build`: `node core-blocks/examples/results.mjs`
// (results land in $TESSERA_HOME/results; set TESSERA_HOME to a scratch folder to keep yours clean).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { LocalFileSystem, persisted, ResultStore, tesseraHome } from "@tessera/core";
import cliProgress from "cli-progress";

const megabyte = 1 << 20;
const size = 256 * megabyte;
const storage = new LocalFileSystem({ basePath: join(tesseraHome(), "results") });
const store = new ResultStore({ storage, serializer: "binary", prefix: "examples" });

function bar(title) {
  const progress = new cliProgress.SingleBar(
    { format: `${title.padEnd(8)} [{bar}] {percentage}% | {value}/{total} MB`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  progress.start(size / megabyte, 0);
  return {
    onProgress: ({ bytes }) => progress.update(Math.floor(bytes / megabyte)),
    stop: () => progress.stop(),
  };
}

console.log(`Streaming a ${size / megabyte} MB result into ${storage.basePath}/examples`);
const written = createHash("sha256");
const writing = bar("write");
const metadata = await store.put(
  "large-result",
  Readable.from(
    (function* () {
      for (let index = 0; index < size / megabyte; index++) {
        const chunk = Buffer.alloc(megabyte, index % 251);
        written.update(chunk);
        yield chunk;
      }
    })(),
  ),
  { contentLength: size, expiresIn: 60 * 60 * 1000, onProgress: writing.onProgress },
);
writing.stop();
console.log(
  `  stored ${metadata.length} bytes, sha256 ${metadata.sha256.slice(0, 16)}…, expires ${metadata.expiresAt}`,
);

const reading = bar("read");
const read = createHash("sha256");
for await (const chunk of await store.getStream("large-result", {
  onProgress: reading.onProgress,
})) {
  read.update(chunk);
}
reading.stop();
console.log(`  read back intact: ${read.digest("hex") === written.digest("hex")}`);
await store.delete("large-result");

console.log("\nA persisted function (rich serializer, so the Date survives)");
const richStore = new ResultStore({ storage, serializer: "rich", prefix: "examples" });
let runs = 0;
const report = persisted(
  async (day) => {
    runs++;
    return { day, generatedAt: new Date(), rows: new Map([["orders", 1284]]) };
  },
  { store: richStore, expiresIn: 24 * 60 * 60 * 1000, version: "1" },
);
const first = await report("2024-06-01");
const second = await report("2024-06-01");
console.log(
  `  ran ${runs} time(s); same result: ${first.generatedAt.getTime() === second.generatedAt.getTime()}`,
);
console.log(
  `  second call returned a ${second.generatedAt.constructor.name} and a ${second.rows.constructor.name}`,
);
