import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { openSqliteStore, type PutDocumentInput } from "../src/store/index.js";
import { brief, document as documentInput, take } from "../src/testing/block-store/helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

let folder: string;
let path: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-sqlite-watch-"));
  path = join(folder, "tessera.db");
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** A valid `put` input of a endpoint with a fresh id; fields can be overridden. */
const document = (name: string, overrides: Partial<PutDocumentInput> = {}) =>
  documentInput("endpoint", name, overrides);

describe("watching the SQLite store", () => {
  it("sees the changes another process commits to the same file, in order", async () => {
    const store = await openSqliteStore({ path, watchIntervalMs: 20 });
    try {
      const watch = await store.watch!({ slugs: ["endpoint/api"] });
      await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", join(here, "fixtures", "sqlite-change-writer.ts"), path, "api"],
        { cwd: resolve(here, "..") },
      );
      expect((await take(watch, 3, 10_000)).map(brief)).toEqual([
        "save endpoint/api@1",
        "save endpoint/api@2",
        "delete endpoint/api@2",
      ]);
      await watch.close();
    } finally {
      await store.close();
    }
  });

  it("gives Block.watch the new instance when another store on the same file saves", async () => {
    class Endpoint extends defineBlock({
      type: "sqlite-watched-endpoint",
      title: "Endpoint",
      description: "Where a service sends requests.",
      schema: z.object({ url: z.string() }),
    }) {}
    const service = await openSqliteStore({ path, watchIntervalMs: 20 });
    const writer = await openSqliteStore({ path });
    try {
      await new Endpoint({ url: "https://a.example" }).save("api", { store: writer });
      const blocks = (await Endpoint.watch("api", { store: service }))[Symbol.asyncIterator]();
      const latest = await Endpoint.load("api", { store: writer });
      latest.url = "https://b.example";
      await latest.save("api", { store: writer, expectedRevision: 1 });
      const next = await blocks.next();
      expect([next.value?.url, next.value?.revision]).toEqual(["https://b.example", 2]);
      await Endpoint.delete("api", { store: writer });
      expect((await blocks.next()).done).toBe(true);
    } finally {
      await writer.close();
      await service.close();
    }
  });

  it("keeps the change log bounded: the newest 10,000 changes, pruned every 1,000", async () => {
    const store = await openSqliteStore({ path });
    try {
      await store.importDocuments(Array.from({ length: 12_500 }, (_, i) => document(`e${i}`)));
    } finally {
      await store.close();
    }
    const database = new Database(path, { readonly: true });
    try {
      const { rows, oldest, newest } = database
        .prepare("SELECT count(*) AS rows, min(seq) AS oldest, max(seq) AS newest FROM changes")
        .get() as { rows: number; oldest: number; newest: number };
      expect(newest).toBe(12_500);
      expect(oldest).toBe(2_001);
      expect(rows).toBe(10_500);
    } finally {
      database.close();
    }
  });

  it("yields a resync marker, then the changes still logged, when it fell further behind than the log keeps", async () => {
    const store = await openSqliteStore({ path, watchIntervalMs: 20 });
    try {
      const watch = await store.watch!({ types: ["endpoint"] });
      // One transaction of 12,000 changes: the watch reads the log only after it commits, when
      // the first 2,000 are already pruned.
      await store.importDocuments(Array.from({ length: 12_000 }, (_, i) => document(`e${i}`)));
      const changes = await take(watch, 10_001);
      expect(changes[0]!.operation).toBe("resync");
      expect(brief(changes[1]!)).toBe("save endpoint/e2000@1");
      expect(brief(changes.at(-1)!)).toBe("save endpoint/e11999@1");
      await watch.close();
    } finally {
      await store.close();
    }
  });

  it("ends its open watches when the store is closed", async () => {
    const store = await openSqliteStore({ path, watchIntervalMs: 20 });
    const watch = await store.watch!();
    const ended = watch[Symbol.asyncIterator]().next();
    await store.close();
    expect((await ended).done).toBe(true);
  });
});
