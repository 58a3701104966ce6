/**
 * Snowflake benchmark: 10^6 rows streamed through `SnowflakeConnector.stream` beside the bare
 * driver's `streamRows` on the same emulator in the same run (target within 1.1x), and the peak
 * RSS of the process while the connector streams them (target under 150 MB). The emulator runs in
 * a child process, so the measured process holds only the client side. `SNOWFLAKE_BENCH_ROWS`
 * changes the row count for a quick run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import snowflake from "snowflake-sdk";
import type { BenchSuite } from "../../../bench/harness.js";
import { SnowflakeConnector, SnowflakeCredentials } from "../src/index.js";

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
      {
        kind: "value",
        name: `peak RSS while SnowflakeConnector.stream reads ${rows} rows`,
        unit: "MB",
        target: 150,
        measure: async () => {
          let peak = process.memoryUsage().rss;
          const sampler = setInterval(() => {
            peak = Math.max(peak, process.memoryUsage().rss);
          }, 5);
          try {
            const count = await throughConnector();
            if (count !== rows) throw new Error(`streamed ${count} rows, expected ${rows}`);
          } finally {
            clearInterval(sampler);
          }
          return Math.round((peak / (1 << 20)) * 10) / 10;
        },
      },
      {
        kind: "time",
        name: `SnowflakeConnector.stream of ${rows} rows (emulator)`,
        target: 1.1,
        iterations: 3,
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
