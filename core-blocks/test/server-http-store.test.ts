import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DatabaseUnavailableError,
  RevisionConflictError,
  UnauthenticatedError,
} from "../src/errors/index.js";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openHttpStore, openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";
import { describeBlockStore } from "../src/testing/index.js";

const api = { describe, it, expect, beforeEach, afterEach };

describeBlockStore(
  api,
  async () => {
    const folder = mkdtempSync(join(tmpdir(), "tessera-http-conformance-"));
    const sqlite = await openSqliteStore({ path: join(folder, "tessera.db") });
    const { token } = await createApiToken(sqlite, { name: "conformance", scope: "admin" });
    const server = await createServer({ store: sqlite });
    const url = await server.listen();
    const store = await openHttpStore({ url, apiKey: token });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await server.close();
        await sqlite.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
  {
    name: "HTTP store over a SQLite server, conformance",
    watch: true,
    actorAssignedByServer: "token:conformance",
  },
);

const here = fileURLToPath(new URL(".", import.meta.url));

/** Runs the HTTP-store child with `environment`; returns its report. */
async function runChild(environment: Record<string, string>, value: string) {
  const home = mkdtempSync(join(tmpdir(), "tessera-http-child-"));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TESSERA_HOME: home,
      TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      ...environment,
    };
    delete env.TESSERA_DATABASE_URL;
    if (!environment.TESSERA_API_URL) delete env.TESSERA_API_URL;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(here, "fixtures", "http-store-child.ts"), value],
      { cwd: resolve(here, ".."), env },
    );
    return {
      report: JSON.parse(stdout.trim()) as Record<string, unknown>,
      localDatabase: existsSync(join(home, "tessera.db")),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe("the HTTP store", () => {
  let folder: string;
  let sqlite: SqliteBlockStore;
  let server: TesseraServer;
  let url: string;
  let token: string;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), "tessera-http-store-"));
    sqlite = await openSqliteStore({ path: join(folder, "tessera.db") });
    token = (await createApiToken(sqlite, { name: "worker", scope: "admin" })).token;
    server = await createServer({ store: sqlite });
    url = await server.listen();
  });
  afterEach(async () => {
    await server.close();
    await sqlite.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves a process selected by TESSERA_API_URL, which seals and reveals secrets itself and loads no database driver", async () => {
    const value = `canary-${randomBytes(8).toString("hex")}`;
    const { report, localDatabase } = await runChild(
      { TESSERA_API_URL: url, TESSERA_API_KEY: token },
      value,
    );
    expect(report).toEqual({
      kind: "http",
      location: url,
      revealed: true,
      loaded: { pg: false, betterSqlite3: false, fastify: false },
    });
    expect(localDatabase).toBe(false);
    // The server's store holds ciphertext and a wrapped data key, never the value.
    const stored = await sqlite.get({ type: "secret", name: "api-token" });
    expect(stored?.dataKey?.wrapped).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(value);
    expect(JSON.stringify(stored)).not.toContain(token);

    // The same check sees the SQLite driver in a process on the embedded store.
    const embedded = await runChild({}, value);
    expect(embedded.report).toMatchObject({
      kind: "sqlite",
      loaded: { pg: false, betterSqlite3: true, fastify: false },
    });
  });

  it("fails with DATABASE_UNAVAILABLE when the server cannot be reached, showing neither credentials nor the token", async () => {
    await server.close();
    const address = new URL(url);
    address.username = "user";
    address.password = "hunter2";
    const error = await openHttpStore({ url: address.toString(), apiKey: "token-hunter3" }).catch(
      (caught: unknown) => caught,
    );
    expect(DatabaseUnavailableError.isInstance(error)).toBe(true);
    expect((error as DatabaseUnavailableError).driverCode).toBe("ECONNREFUSED");
    const shown = JSON.stringify((error as DatabaseUnavailableError).toJSON());
    expect(shown).toContain(`127.0.0.1:${address.port}`);
    expect(shown).not.toContain("hunter2");
    expect(shown).not.toContain("hunter3");
    server = await createServer({ store: sqlite });
  });

  it("fails to open without a valid token, with UNAUTHENTICATED, and never shows the token", async () => {
    const error = await openHttpStore({ url, apiKey: "tsk_wrong-token-hunter4" }).catch(
      (caught: unknown) => caught,
    );
    expect(UnauthenticatedError.isInstance(error)).toBe(true);
    expect(JSON.stringify(error)).not.toContain("hunter4");
  });

  it("rebuilds the server's errors with their class and typed fields", async () => {
    const store = await openHttpStore({ url, apiKey: token });
    try {
      const created = await store.put({
        id: randomUUID(),
        type: "bucket",
        name: "results",
        data: {},
        schemaChecksum: "sha256:0",
        schemaVersion: "1.0.0",
        references: [],
        dataKey: null,
      });
      const error = await store
        .rename({ id: created.id }, "moved", { expectedRevision: 4 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RevisionConflictError);
      expect(error).toMatchObject({
        slug: "bucket/results",
        expectedRevision: 4,
        actualRevision: 1,
      });
    } finally {
      await store.close();
    }
  });

  it("watches again after the server restarts, yielding resync before the changes that follow", async () => {
    const port = Number(new URL(url).port);
    const store = await openHttpStore({ url, apiKey: token });
    const watch = await store.watch();
    try {
      await server.close();
      server = await createServer({ store: sqlite });
      await server.listen({ port });
      const iterator = watch[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.operation).toBe("resync");
      await store.put({
        id: randomUUID(),
        type: "bucket",
        name: "after-restart",
        data: {},
        schemaChecksum: "sha256:0",
        schemaVersion: "1.0.0",
        references: [],
        dataKey: null,
      });
      expect((await iterator.next()).value).toMatchObject({
        operation: "save",
        name: "after-restart",
      });
    } finally {
      await watch.close();
      await store.close();
    }
  });
});
