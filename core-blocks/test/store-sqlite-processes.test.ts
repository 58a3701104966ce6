import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "..");
const Database = createRequire(import.meta.url)(
  "better-sqlite3",
) as typeof import("better-sqlite3");

/** A child process running a fixture script, read line by line. */
interface Writer {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  send(line: string): void;
  next(): Promise<string>;
  exited: Promise<number | null>;
}

function startWriter(script: string, args: string[]): Writer {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(here, "fixtures", script), ...args],
    {
      cwd: packageRoot,
    },
  );
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    waiting.shift()?.(line);
  });
  let read = 0;
  const exited = new Promise<number | null>((resolveExit) => {
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolveExit(code);
    });
  });
  return {
    child,
    lines,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    next: () =>
      new Promise((resolveLine, reject) => {
        const line = lines[read];
        if (line !== undefined) {
          read++;
          resolveLine(line);
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`no answer from ${script}: ${stderr}`)),
          20_000,
        );
        waiting.push((next) => {
          clearTimeout(timer);
          read++;
          resolveLine(next);
        });
      }),
  };
}

let folder: string;
let path: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-sqlite-processes-"));
  path = join(folder, "tessera.db");
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe("two processes writing one SQLite file", () => {
  it("gives exactly one compare-and-swap winner per revision and loses no acknowledged write", async () => {
    const writers = [
      startWriter("concurrent-writer.ts", [path, "a"]),
      startWriter("concurrent-writer.ts", [path, "b"]),
    ];
    const rounds = 40;
    const winners = new Map<number, string>();
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const writer of writers) writer.send("read");
        const reads = await Promise.all(writers.map((writer) => writer.next()));
        expect(reads).toEqual([`read ${round - 1}`, `read ${round - 1}`]);
        for (const writer of writers) writer.send(`write ${round}`);
        const answers = await Promise.all(writers.map((writer) => writer.next()));
        const won = answers.filter((answer) => answer === `won ${round}`);
        const lost = answers.filter((answer) => answer === `lost ${round - 1} ${round}`);
        expect(won.length).toBe(1);
        expect(lost.length).toBe(1);
        winners.set(round, answers[0] === `won ${round}` ? "a" : "b");
      }

      // Free-running: both retry CAS as fast as they can until each has 120 wins.
      const perWriter = 120;
      for (const writer of writers) writer.send(`race ${perWriter}`);
      const acknowledged: Array<{ revision: number; writer: string; seq: number }> = [];
      await Promise.all(
        writers.map(async (writer, index) => {
          for (;;) {
            const line = await writer.next();
            if (line === "done") return;
            const [, revision, seq] = line.split(" ");
            acknowledged.push({
              revision: Number(revision),
              writer: index === 0 ? "a" : "b",
              seq: Number(seq),
            });
          }
        }),
      );
      const revisions = acknowledged.map((entry) => entry.revision).sort((x, y) => x - y);
      expect(revisions).toEqual(
        Array.from({ length: 2 * perWriter }, (_, index) => rounds + 1 + index),
      );
      for (const writer of writers) {
        writer.send("exit");
        writer.child.stdin.end();
      }
      await Promise.all(writers.map((writer) => writer.exited));

      const store = await openSqliteStore({ path, limits: { revisionsKept: 1_000_000 } });
      try {
        const ref = { type: "counter", name: "shared" };
        expect((await store.get(ref))?.revision).toBe(rounds + 2 * perWriter);
        for (const [round, writer] of winners) {
          expect((await store.get(ref, { revision: round }))?.data).toEqual({ writer, round });
        }
        for (const entry of acknowledged) {
          expect((await store.get(ref, { revision: entry.revision }))?.data).toEqual({
            writer: entry.writer,
            seq: entry.seq,
          });
        }
      } finally {
        await store.close();
      }
    } finally {
      for (const writer of writers) writer.child.kill("SIGKILL");
    }
  }, 120_000);
});

describe("a writer killed with SIGKILL", () => {
  it("leaves a sound file with every acknowledged save and no half-written document", async () => {
    const acknowledged: Array<{ name: string; revision: number; run: string; seq: number }> = [];
    const batches: Array<{ prefix: string; count: number }> = [];
    const rounds = 25;
    for (let run = 0; run < rounds; run++) {
      const writer = startWriter("crash-writer.ts", [path, String(run)]);
      await writer.next(); // the writer is up and has written at least once
      await new Promise((resolvePause) => setTimeout(resolvePause, 20 + Math.random() * 250));
      writer.child.kill("SIGKILL");
      expect(await writer.exited).toBe(null);
      for (const line of writer.lines) {
        const [word, name, revision, runText, seq] = line.split(" ");
        if (word === "batch") batches.push({ prefix: name!, count: Number(revision) });
        if (word === "ack" && seq !== undefined) {
          acknowledged.push({
            name: name!,
            revision: Number(revision),
            run: runText!,
            seq: Number(seq),
          });
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(rounds);

    const database = new Database(path);
    try {
      expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
      const documentsWithoutRevision = database
        .prepare(
          "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = d.id)",
        )
        .all();
      expect(documentsWithoutRevision).toEqual([]);
      const revisionsWithoutDocument = database
        .prepare(
          "SELECT r.document_id FROM revisions r LEFT JOIN documents d ON d.id = r.document_id WHERE d.id IS NULL",
        )
        .all();
      expect(revisionsWithoutDocument).toEqual([]);
      // Nothing is pruned here, so every document holds exactly the revisions 1..newest.
      const gaps = database
        .prepare(
          "SELECT document_id FROM revisions GROUP BY document_id HAVING min(revision) != 1 OR count(*) != max(revision)",
        )
        .all();
      expect(gaps).toEqual([]);
      const mismatchedReferences = database
        .prepare(
          `SELECT d.id FROM documents d JOIN revisions r ON r.document_id = d.id AND r.revision = (SELECT max(revision) FROM revisions WHERE document_id = d.id)
           WHERE r.reference_ids != coalesce((SELECT json_group_array(to_id) FROM (SELECT to_id FROM document_references WHERE from_id = d.id ORDER BY to_id)), '[]')`,
        )
        .all();
      expect(mismatchedReferences).toEqual([]);
      // A batch is one transaction: all of its documents or none of them, and all once acknowledged.
      const batchSizes = new Map<string, number>();
      const batchNames = database
        .prepare("SELECT name FROM documents WHERE type = 'crash-batch'")
        .all() as Array<{ name: string }>;
      for (const { name } of batchNames) {
        const prefix = name.replace(/-\d+$/, "");
        batchSizes.set(prefix, (batchSizes.get(prefix) ?? 0) + 1);
      }
      for (const [prefix, n] of batchSizes) expect({ prefix, n }).toEqual({ prefix, n: 300 });
      for (const batch of batches) expect(batchSizes.get(batch.prefix)).toBe(batch.count);
    } finally {
      database.close();
    }

    const store = await openSqliteStore({ path, limits: { revisionsKept: 1_000_000 } });
    try {
      for (const entry of acknowledged) {
        const stored = await store.get(
          { type: "crash", name: entry.name },
          { revision: entry.revision },
        );
        expect(stored?.data.run).toBe(entry.run);
        expect(stored?.data.seq).toBe(entry.seq);
      }
      const newest = new Map<string, number>();
      for (const entry of acknowledged) {
        newest.set(entry.name, Math.max(newest.get(entry.name) ?? 0, entry.revision));
      }
      for (const [name, revision] of newest) {
        const stored = await store.get({ type: "crash", name });
        expect((stored?.revision ?? 0) >= revision).toBe(true);
        expect(stored?.data.payload).toBeTypeOf("string");
      }
    } finally {
      await store.close();
    }
  }, 180_000);
});
