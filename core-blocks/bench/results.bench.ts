/**
 * Results benchmarks: a 100 MB result through ResultStore on a LocalFileSystem beside bare `fs`
 * doing the same durable work, and the peak memory of streaming a 1 GB result in and out.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchSuite } from "../../bench/harness.js";
import { LocalFileSystem, ResultStore } from "../src/results/index.js";

const run = promisify(execFile);

export default async (): Promise<BenchSuite> => {
  const folder = await mkdtemp(join(tmpdir(), "tessera-bench-results-"));
  const payload = randomBytes(100 << 20);
  const store = new ResultStore({
    storage: new LocalFileSystem({ basePath: join(folder, "store") }),
    serializer: "binary",
  });
  const bareFile = join(folder, "bare.bin");

  return {
    cases: [
      {
        kind: "time",
        name: "ResultStore put+get of a 100 MB result on LocalFileSystem (floor: fs write+fsync+rename, readFile)",
        target: 1.3,
        iterations: 9,
        warmup: 1,
        run: async () => {
          await store.put("bench/100mb", payload);
          const back = await store.get<Buffer>("bench/100mb");
          if (back.length !== payload.length) throw new Error("short read");
        },
        floor: async () => {
          const temporary = `${bareFile}.tmp`;
          const handle = await open(temporary, "w");
          await handle.writeFile(payload);
          await handle.sync();
          await handle.close();
          await rename(temporary, bareFile);
          const back = await readFile(bareFile);
          if (back.length !== payload.length) throw new Error("short read");
        },
      },
      {
        kind: "value",
        name: "peak RSS streaming a 1 GB result in and out (ResultStore.put stream + getStream)",
        unit: "MB",
        target: 200,
        measure: async () => {
          const { stdout } = await run(
            process.execPath,
            [
              ...process.execArgv,
              join(import.meta.dirname, "results-stream-child.ts"),
              join(folder, "stream"),
              "1024",
            ],
            { maxBuffer: 1 << 20 },
          );
          const lines = stdout.trim().split("\n");
          return (
            Math.round(
              (JSON.parse(lines.at(-1)!) as { peakMegabytes: number }).peakMegabytes * 10,
            ) / 10
          );
        },
      },
    ],
    teardown: () => rm(folder, { recursive: true, force: true }),
  };
};
