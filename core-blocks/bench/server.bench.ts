/**
 * `tessera server` under load, on loopback over a throwaway PostgreSQL cluster, in one run:
 *
 * - load by slug, `GET /v1/documents/<type>/<name>` with a read token, through a real
 *   `tessera server start` process, 64 connections (autocannon): all of one block, and spread
 *   over 64 blocks (so loads batched together are of different blocks, not one);
 * - the same answer from a bare Fastify handler in its own process (the floor of the framework);
 * - the same load through `PostgresStore.get` directly, 64 concurrent callers in this process.
 *
 * Each side is warmed up, then measured in alternating rounds; the medians of the rounds are
 * reported. Targets: p99 under 10 ms through the server, and throughput within 2x of the bare
 * handler (the ratio reported is bare req/s ÷ server req/s). `TESSERA_BENCH_SECONDS` sets the
 * length of a measured round (default 10).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import type { BenchSuite } from "../../bench/harness.js";
import { median } from "../../bench/harness.js";
import { openPostgresStore } from "../src/store/index.js";
import { document } from "../src/testing/block-store/helpers.js";
import { startPostgresCluster } from "../test/postgres-cluster.js";

const packageRoot = resolve(import.meta.dirname, "..");
const bin = join(packageRoot, "dist/cli/bin.js");
const seconds = Number(process.env.TESSERA_BENCH_SECONDS ?? 10);
const connections = 64;
const rounds = 3;
const data = { account: "acme", user: "etl", role: "reader", warehouse: "wh-s", fetchSize: 1000 };

const bareServer = `
import Fastify from "fastify";
const body = process.env.BENCH_BODY;
const app = Fastify();
app.get("/v1/documents/:type/:name", async (_request, reply) =>
  reply.header("content-type", "application/json; charset=utf-8").header("etag", '"1"').send(body));
await app.listen({ host: "127.0.0.1", port: 0 });
console.log("listening at http://127.0.0.1:" + app.server.address().port);
`;

/** Starts a server process; resolves with its URL (the first `at http://…` it prints). */
function startProcess(
  args: string[],
  environment: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { env: environment, cwd: packageRoot });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((done, fail) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const match = / at (http:\/\/\S+)/.exec(stdout);
      if (match) done({ child, url: match[1]! });
    });
    child.on("exit", (code) => fail(new Error(`server exited ${code}: ${stderr}`)));
  });
}

interface Round {
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  duration: number,
  paths?: string[],
): Promise<Round> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    headers,
    pipelining: 1,
    ...(paths === undefined
      ? {}
      : {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                path: paths[next++ % paths.length]!,
              }),
            },
          ],
        }),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`);
  }
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** `callers` concurrent loops of `call` for `duration` seconds. */
async function inProcess(call: () => Promise<unknown>, duration: number): Promise<Round> {
  const latencies: number[] = [];
  const end = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await call();
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / duration,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

const summarize = (measured: Round[]): Round => ({
  requestsPerSecond: median(measured.map((round) => round.requestsPerSecond)),
  p50: round2(median(measured.map((round) => round.p50))),
  p99: round2(median(measured.map((round) => round.p99))),
});

export default async function serverBench(): Promise<BenchSuite> {
  const cluster = await startPostgresCluster();
  const home = mkdtempSync(join(tmpdir(), "tessera-bench-server-"));
  const children: ChildProcess[] = [];
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    TESSERA_HOME: home,
    TESSERA_DATABASE_URL: cluster.url,
    TESSERA_DATABASE_SCHEMA: "bench_server",
    NO_COLOR: "1",
  };
  delete environment.TESSERA_API_URL;
  delete environment.TESSERA_PROFILE;
  const store = await openPostgresStore({ url: cluster.url, schema: "bench_server" });
  const teardown = async () => {
    for (const child of children) child.kill("SIGKILL");
    await store.close();
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    for (const name of [
      "main",
      ...Array.from({ length: connections }, (_, index) => `b${index}`),
    ]) {
      await store.put(document("bench-credentials", name, { data }));
    }
    const spread = Array.from(
      { length: connections },
      (_, index) => `/v1/documents/bench-credentials/b${index}`,
    );
    const made = await promisify(execFile)(
      process.execPath,
      [bin, "token", "create", "--name", "bench", "--scope", "read"],
      { env: environment },
    );
    const headers = { authorization: `Bearer ${made.stdout.trim()}` };
    const server = await startProcess([bin, "server", "start", "--port", "0"], environment);
    children.push(server.child);
    const path = "/v1/documents/bench-credentials/main";
    const body = await (await fetch(`${server.url}${path}`, { headers })).text();
    const bare = await startProcess(["--input-type=module", "-e", bareServer], {
      ...process.env,
      BENCH_BODY: body,
    });
    children.push(bare.child);
    const get = () => store.get({ type: "bench-credentials", name: "main" });

    // Warm up every side, then alternate measured rounds.
    await load(`${server.url}${path}`, headers, 3);
    await load(server.url, headers, 3, spread);
    await load(`${bare.url}${path}`, headers, 3);
    await inProcess(get, 3);
    const measured = {
      server: [] as Round[],
      spread: [] as Round[],
      bare: [] as Round[],
      store: [] as Round[],
    };
    for (let round = 0; round < rounds; round++) {
      measured.server.push(await load(`${server.url}${path}`, headers, seconds));
      measured.spread.push(await load(server.url, headers, seconds, spread));
      measured.bare.push(await load(`${bare.url}${path}`, headers, seconds));
      measured.store.push(await inProcess(get, seconds));
    }
    const results = {
      server: summarize(measured.server),
      spread: summarize(measured.spread),
      bare: summarize(measured.bare),
      store: summarize(measured.store),
    };
    console.log(
      `load by slug, ${connections} connections, ${rounds} rounds of ${seconds} s (medians):`,
    );
    for (const [name, round] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(7)} ${Math.round(round.requestsPerSecond)} req/s  p50 ${round.p50} ms  p99 ${round.p99} ms`,
      );
    }
    const ratio = results.bare.requestsPerSecond / results.server.requestsPerSecond;
    const spreadRatio = results.bare.requestsPerSecond / results.spread.requestsPerSecond;
    console.log(
      `  bare/server throughput ${ratio.toFixed(2)}x; store/server throughput ${(results.store.requestsPerSecond / results.server.requestsPerSecond).toFixed(2)}x`,
    );

    return {
      cases: [
        {
          kind: "value",
          name: `server: load by slug over PostgreSQL, ${connections} connections, p99`,
          unit: "ms",
          target: 10,
          measure: async () => results.server.p99,
        },
        {
          kind: "value",
          name: `server: load by slug over PostgreSQL, ${connections} connections, p50`,
          unit: "ms",
          target: 10,
          measure: async () => results.server.p50,
        },
        {
          kind: "value",
          name: `server: throughput of a bare Fastify handler ÷ throughput through the server (${Math.round(results.server.requestsPerSecond)} req/s)`,
          unit: "x",
          target: 2,
          measure: async () => round2(ratio),
        },
        {
          kind: "value",
          name: `server: load by slug of ${connections} different blocks, p99`,
          unit: "ms",
          target: 10,
          measure: async () => results.spread.p99,
        },
        {
          kind: "value",
          name: `server: bare handler ÷ server, loads of ${connections} different blocks (${Math.round(results.spread.requestsPerSecond)} req/s)`,
          unit: "x",
          target: 2,
          measure: async () => round2(spreadRatio),
        },
        {
          kind: "value",
          name: `PostgresStore.get, ${connections} concurrent callers in process, p99 (${Math.round(results.store.requestsPerSecond)} loads/s)`,
          unit: "ms",
          target: 10,
          measure: async () => round2(results.store.p99),
        },
      ],
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
