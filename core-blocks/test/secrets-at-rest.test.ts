import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Secret } from "../src/secret-block/index.js";
import { isolateKeys, openTestStore, randomKey } from "./secrets-helpers.js";

let environment: ReturnType<typeof isolateKeys>;

beforeEach(() => {
  environment = isolateKeys();
  process.env.TESSERA_ENCRYPTION_KEY = randomKey();
});

afterEach(() => {
  environment.restore();
});

/** Every file of the SQLite store (the database and any WAL or shared-memory file beside it). */
function databaseBytes(): Buffer {
  const files = readdirSync(environment.home).filter((name) => name.startsWith("tessera.db"));
  return Buffer.concat(files.map((name) => readFileSync(join(environment.home, name))));
}

describe("secrets at rest in the SQLite store", () => {
  it("leaves no trace of a deleted secret's ciphertext or wrapped data key in the database file", async () => {
    let store = await openTestStore(environment.home);
    // A neighbour that stays, so the deleted rows share pages with live data.
    await new Secret({ value: randomBytes(24).toString("hex") }).save("kept", { store });
    const traces: string[] = [];
    for (let revision = 0; revision < 3; revision++) {
      await new Secret({ value: randomBytes(600).toString("hex") }).save("doomed", {
        store,
        overwrite: true,
      });
      const stored = await store.get({ type: "secret", name: "doomed" });
      const sealed = (stored?.data.value as { $sealed: string }).$sealed;
      // The middle of the base64 text: what any copy of it in a page must contain.
      traces.push(sealed.slice(8, 72), stored!.dataKey!.wrapped.slice(8, 40));
    }
    await store.close();
    const before = databaseBytes().toString("latin1");
    expect(traces.filter((trace) => before.includes(trace)).length).toBeGreaterThan(0);

    store = await openTestStore(environment.home);
    expect(await store.delete({ type: "secret", name: "doomed" })).toBe(true);
    await store.close();

    const after = databaseBytes().toString("latin1");
    expect(traces.filter((trace) => after.includes(trace))).toEqual([]);
  });
});
