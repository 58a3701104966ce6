import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors/index.js";
import { createApiToken, listApiTokens } from "../src/server/index.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;
let other: SqliteBlockStore;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-token-index-"));
  // Two connections to one file, as two `tessera token create` processes would have.
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  other = await openSqliteStore({ path: join(folder, "tessera.db") });
});
afterEach(async () => {
  await store.close();
  await other.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("the token index under concurrent token create", () => {
  it("lists every token of many made at the same moment, so each can be revoked by name", async () => {
    const names = Array.from({ length: 12 }, (_, index) => `worker-${index}`);
    await Promise.all(
      names.map((name, index) =>
        createApiToken(index % 2 === 0 ? store : other, { name, scope: "read" }),
      ),
    );
    const listed = (await listApiTokens(store)).map((record) => record.name).sort();
    expect(listed).toEqual([...names].sort());
  });

  it("gives a name to exactly one of several tokens asked for it at the same moment; the others are refused and left out of the list", async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) =>
        createApiToken(index % 2 === 0 ? store : other, { name: "deploy-bot", scope: "write" }),
      ),
    );
    const made = outcomes.flatMap((outcome) =>
      outcome.status === "fulfilled" ? [outcome.value] : [],
    );
    expect(made).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect(InvalidInputError.isInstance(outcome.reason)).toBe(true);
        expect(String(outcome.reason.message)).toContain('already named "deploy-bot"');
      }
    }
    const listed = await listApiTokens(store);
    expect(listed.map((record) => [record.name, record.id])).toEqual([
      ["deploy-bot", made[0]!.record.id],
    ]);
  });
});
