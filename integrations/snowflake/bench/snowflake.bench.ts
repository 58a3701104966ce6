/**
 * Snowflake benchmark: 10^6 rows streamed through `SnowflakeConnector.stream` beside the bare
 * driver's `streamRows` on the same emulator in the same run (target within 1.1x), and peak RSS
 * (target under 150 MB) split three ways, each measured in a plain Node process of its own
 * (`client-process.mjs`, peak RSS from the kernel): snowflake-sdk loaded and logged in (the
 * driver's own footprint), the driver's `streamRows` of the rows, and the connector's `stream` of
 * them; then the two streams again with V8's old generation capped, which shows what they retain
 * apart from garbage not yet collected. The "loaded and logged in" connector case adds the
 * footprint of `@tessera/core`. The emulator runs in another child process, so no figure counts
 * it; it builds each result chunk (gzip) when the driver asks for it, from the query's result
 * table, never all rows at once.
 * `SNOWFLAKE_BENCH_ROWS` changes the row count for a quick run.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import snowflake from "snowflake-sdk";
import type { BenchCase, BenchSuite } from "../../../bench/harness.js";
import { SnowflakeConnector, SnowflakeCredentials } from "../src/index.js";

const run = promisify(execFile);
const heapCapMb = 80;
const rows = Number(process.env.SNOWFLAKE_BENCH_ROWS ?? 1_000_000);
const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) SELECT i AS id, 'row ' || i AS label, i * 0.5 AS half FROM n`;

async function startEmulator(): Promise<{ endpoint: string; process: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@tessera/source",
      "--import",
      "tsx",
      fileURLToPath(new URL("./emulator-process.ts", import.meta.url)),
    ],
    {
      stdio: ["pipe", "pipe", "inherit"],
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    },
  );
  const [data] = (await once(child.stdout!, "data")) as [Buffer];
  return { endpoint: data.toString().trim(), process: child };
}

export default async function snowflakeBench(): Promise<BenchSuite> {
  const server = await startEmulator();
  snowflake.configure({ logLevel: "OFF" });
  const connector = new SnowflakeConnector({
    credentials: new SnowflakeCredentials({
      account: "bench",
      user: "bench",
      authenticator: "password",
      password: "bench",
      accessUrl: server.endpoint,
    }),
  });
  const bare = snowflake.createConnection({
    account: "bench",
    username: "bench",
    password: "bench",
    accessUrl: server.endpoint,
  } as snowflake.ConnectionOptions);
  await new Promise<void>((resolve, reject) =>
    bare.connect((error) => (error ? reject(error) : resolve())),
  );

  /**
   * Peak RSS (MB) of `client-process.mjs` run with `args` after the endpoint, and `nodeFlags`
   * (such as a heap cap) before it.
   */
  function rssCase(name: string, args: (string | number)[], nodeFlags: string[] = []): BenchCase {
    return {
      kind: "value",
      name,
      unit: "MB",
      target: 150,
      measure: async () => {
        const [mode, ...rest] = args.map(String);
        const { stdout } = await run(process.execPath, [
          ...nodeFlags,
          fileURLToPath(new URL("./client-process.mjs", import.meta.url)),
          mode as string,
          server.endpoint,
          ...rest,
        ]);
        const report = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
          peakRssMb: number;
        };
        return report.peakRssMb;
      },
    };
  }

  async function throughConnector(): Promise<number> {
    let count = 0;
    for await (const _row of connector.stream(sql)) count += 1;
    return count;
  }

  async function throughDriver(): Promise<number> {
    const statement = await new Promise<snowflake.RowStatement>((resolve, reject) =>
      bare.execute({
        sqlText: sql,
        streamResult: true,
        complete: (error, executed) => (error ? reject(error) : resolve(executed)),
      }),
    );
    let count = 0;
    for await (const _row of statement.streamRows()) count += 1;
    return count;
  }

  return {
    cases: [
      rssCase("peak RSS of snowflake-sdk loaded and logged in", ["login"]),
      rssCase("peak RSS of SnowflakeConnector loaded and logged in (SELECT 1)", [
        "connector",
        "SELECT 1",
        1,
      ]),
      rssCase(`peak RSS of the driver's streamRows of ${rows} rows`, ["driver", sql, rows]),
      rssCase(`peak RSS of SnowflakeConnector.stream of ${rows} rows`, ["connector", sql, rows]),
      // The same two with the old generation capped: what the stream really retains, apart from
      // the garbage V8 lets grow before collecting it.
      rssCase(
        `peak RSS of the driver's streamRows of ${rows} rows, heap capped at ${heapCapMb} MB`,
        ["driver", sql, rows],
        [`--max-old-space-size=${heapCapMb}`],
      ),
      rssCase(
        `peak RSS of SnowflakeConnector.stream of ${rows} rows, heap capped at ${heapCapMb} MB`,
        ["connector", sql, rows],
        [`--max-old-space-size=${heapCapMb}`],
      ),
      {
        kind: "time",
        name: `SnowflakeConnector.stream of ${rows} rows (emulator)`,
        target: 1.1,
        iterations: 5,
        warmup: 1,
        run: throughConnector,
        floor: throughDriver,
      },
    ],
    teardown: async () => {
      await connector.close();
      await new Promise<void>((resolve) => bare.destroy(() => resolve()));
      server.process.stdin?.end();
      await once(server.process, "exit");
    },
  };
}
