// Servers over one PostgreSQL database: the server keeps no state of its own, so two of them
// behind a load balancer answer as one, and a server killed in the middle of requests loses no
// write it acknowledged.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import {
  type BlockStore,
  openHttpStore,
  openPostgresStore,
  type PostgresBlockStore,
  type PutDocumentInput,
  type StoreChange,
} from "../src/store/index.js";
import { usePostgresCluster } from "./postgres-cluster.js";

const cluster = usePostgresCluster({ beforeAll, afterAll });
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function document(name: string, data: PutDocumentInput["data"]): PutDocumentInput {
  return {
    id: randomUUID(),
    type: "bucket",
    name,
    data,
    schemaChecksum: `sha256:${"0".repeat(64)}`,
    schemaVersion: "1.0.0",
    references: [],
    dataKey: null,
  };
}

/** A server over its own PostgreSQL store in `schema`, with an HttpStore that talks to it. */
async function serverOver(
  schema: string,
): Promise<{ backing: PostgresBlockStore; http: BlockStore }> {
  const backing = await openPostgresStore({ url: cluster().url, schema });
  cleanups.push(() => backing.close());
  const server: TesseraServer = await createServer({ store: backing });
  cleanups.push(() => server.close());
  const url = await server.listen();
  const { token } = await createApiToken(backing, {
    name: `server-${randomUUID().slice(0, 8)}`,
    scope: "admin",
  });
  const http = await openHttpStore({ url, apiKey: token });
  cleanups.push(() => http.close());
  return { backing, http };
}

describe("two servers over one PostgreSQL database", () => {
  it("reads through one server what was written through the other, at the same revision", async () => {
    const a = await serverOver("two_servers_read");
    const b = await serverOver("two_servers_read");
    const written = await a.http.put(document("shared", { region: "eu-west-1" }));
    const read = await b.http.get({ type: "bucket", name: "shared" });
    expect(read?.data).toEqual({ region: "eu-west-1" });
    expect(read?.revision).toBe(written.revision);
    const second = await b.http.put({
      ...document("shared", { region: "us-east-1" }),
      id: written.id,
      expectedRevision: 1,
    });
    expect(second.revision).toBe(2);
    expect((await a.http.get({ type: "bucket", name: "shared" }))?.data).toEqual({
      region: "us-east-1",
    });
    // Compare-and-swap holds across servers: A's stale revision loses to B's write.
    await expect(
      a.http.put({
        ...document("shared", { region: "stale" }),
        id: written.id,
        expectedRevision: 1,
      }),
    ).rejects.toMatchObject({ code: "REVISION_CONFLICT" });
  });

  it("streams writes made through one server to a watch opened through the other", async () => {
    const a = await serverOver("two_servers_watch");
    const b = await serverOver("two_servers_watch");
    const watch = await b.http.watch!({ types: ["bucket"] });
    cleanups.push(() => watch.close());
    await a.http.put(document("watched", { v: 1 }));
    await a.http.put({ ...document("watched", { v: 2 }), overwrite: true });
    await a.http.delete({ type: "bucket", name: "watched" });
    const changes: StoreChange[] = [];
    const iterator = watch[Symbol.asyncIterator]();
    const deadline = Date.now() + 10_000;
    while (changes.length < 3 && Date.now() < deadline) {
      const next = await Promise.race([
        iterator.next(),
        new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 10_000)),
      ]);
      if (next === "timeout" || next.done) break;
      changes.push(next.value);
    }
    expect(
      changes.map((change) => `${change.operation} ${change.name}@${change.revision}`),
    ).toEqual(["save watched@1", "save watched@2", "delete watched@2"]);
  });
});

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");

function cliEnvironment(home: string, schema: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    TESSERA_HOME: home,
    TESSERA_DATABASE_URL: cluster().url,
    TESSERA_DATABASE_SCHEMA: schema,
    NO_COLOR: "1",
  };
  delete environment.TESSERA_API_URL;
  delete environment.TESSERA_PROFILE;
  return environment;
}

/** Starts `tessera server start --port 0`; resolves with the URL it prints. */
function startServerProcess(environment: NodeJS.ProcessEnv): {
  child: ChildProcess;
  url: Promise<string>;
  exited: Promise<void>;
} {
  const child = spawn(process.execPath, [bin, "server", "start", "--port", "0"], {
    env: environment,
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((done) => child.on("exit", () => done()));
  const url = new Promise<string>((done, fail) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const match = / at (https?:\/\/\S+)/.exec(stdout);
      if (match) done(match[1]!);
    });
    void exited.then(() => fail(new Error(`the server exited: ${stderr}`)));
  });
  url.catch(() => {});
  return { child, url, exited };
}

/** What one write sent, and what the server answered (undefined: no answer came). */
interface Attempt {
  name: string;
  revision: number;
  data: PutDocumentInput["data"];
  acknowledged: boolean;
  /** Why no answer came: the network error's code (ECONNRESET: the request was in flight). */
  failure?: string;
}

describe("a server killed mid-request", () => {
  it("loses no acknowledged write, and leaves every other write wholly there or absent", async () => {
    const home = mkdtempSync(join(tmpdir(), "tessera-server-crash-"));
    cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
    const environment = cliEnvironment(home, "crash");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, "token", "create", "--name", "crash-writer", "--scope", "write"],
      { env: environment },
    );
    const token = stdout.trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

    const first = startServerProcess(environment);
    cleanups.push(async () => first.child.kill("SIGKILL"));
    const url = await first.url;

    // Each writer creates its own document, then replaces it again and again with If-Match, so
    // every write names the revision it makes. Each body carries enough fields that half a write
    // would show.
    const attempts: Attempt[] = [];
    let acknowledged = 0;
    const writers = Array.from({ length: 24 }, async (_, writer) => {
      const name = `writer-${writer}`;
      const id = randomUUID();
      for (let revision = 1; ; revision++) {
        const data = Object.fromEntries(
          Array.from({ length: 40 }, (_, field) => [
            `field${field}`,
            `${writer}:${revision}:${field}:${"x".repeat(100)}`,
          ]),
        );
        const attempt: Attempt = { name, revision, data, acknowledged: false };
        attempts.push(attempt);
        const { type: _type, name: _name, ...body } = { ...document(name, data), id };
        let response: Response;
        try {
          response = await fetch(`${url}/v1/documents/bucket/${name}`, {
            method: "PUT",
            headers: {
              ...headers,
              ...(revision === 1 ? { "if-none-match": "*" } : { "if-match": `"${revision - 1}"` }),
            },
            body: JSON.stringify(body),
          });
          await response.arrayBuffer();
        } catch (error) {
          // The server is gone: this write's outcome is unknown.
          const cause = (error as { cause?: { code?: string } }).cause;
          attempt.failure = cause?.code ?? String(error);
          return;
        }
        if (response.status < 200 || response.status > 299) {
          throw new Error(`write ${name}@${revision} answered ${response.status}`);
        }
        expect(response.headers.get("etag")).toBe(`"${revision}"`);
        attempt.acknowledged = true;
        acknowledged++;
      }
    });
    while (acknowledged < 240) await new Promise((done) => setTimeout(done, 5));
    first.child.kill("SIGKILL");
    await first.exited;
    await Promise.all(writers);
    // Requests were in flight when the process died (a refused connection was not).
    const inFlight = attempts.filter(
      (attempt) => attempt.failure !== undefined && attempt.failure !== "ECONNREFUSED",
    );
    expect(inFlight.length).toBeGreaterThan(0);

    const second = startServerProcess(environment);
    cleanups.push(async () => second.child.kill("SIGKILL"));
    const restarted = await second.url;
    const read = async (name: string, revision: number) => {
      const response = await fetch(
        `${restarted}/v1/documents/bucket/${name}?revision=${revision}`,
        { headers },
      );
      return { status: response.status, body: (await response.json()) as { data?: unknown } };
    };
    for (const attempt of attempts) {
      const { status, body } = await read(attempt.name, attempt.revision);
      if (attempt.acknowledged) {
        expect(status, `${attempt.name}@${attempt.revision} was acknowledged`).toBe(200);
        expect(body.data).toEqual(attempt.data);
      } else if (status === 200) {
        expect(body.data, `${attempt.name}@${attempt.revision} is whole`).toEqual(attempt.data);
      } else {
        expect(status).toBe(404);
      }
    }
    // Nothing else is stored: every document's newest revision is one of the attempts, whole.
    const listed = await fetch(`${restarted}/v1/documents?type=bucket&limit=1000`, { headers });
    const { items } = (await listed.json()) as { items: Array<{ name: string; revision: number }> };
    expect(items).toHaveLength(24);
    for (const item of items) {
      const attempt = attempts.find(
        (candidate) => candidate.name === item.name && candidate.revision === item.revision,
      );
      expect(attempt, `${item.name}@${item.revision} was written by a writer`).toBeDefined();
    }
  });
});
