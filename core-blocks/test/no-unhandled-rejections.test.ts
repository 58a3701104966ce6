import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LocalFileSystem,
  loadBlock,
  persisted,
  ResultStore,
  resolveTemplate,
  Secret,
  SecretValue,
} from "../src/index.js";
import { errorOf } from "./secrets-helpers.js";

// A call whose error the caller catches must not also leave a rejected promise behind: Node
// prints it as an unhandled rejection, and by default ends the process for it.
const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", record);
});
afterAll(() => {
  process.off("unhandledRejection", record);
});

/** Runs a failing call, lets every leftover promise settle, and returns what it threw. */
async function failsCleanly(call: () => Promise<unknown>) {
  const error = await errorOf(call());
  await sleep(50);
  expect(unhandled).toEqual([]);
  return error;
}

function failingStream(): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(16);
      throw new Error("the source broke");
    })(),
  );
}

describe("a failing call the caller catches", () => {
  const storage = () => new LocalFileSystem({ basePath: mkdtempSync(join(tmpdir(), "rejects-")) });

  it("leaves no unhandled rejection behind when a result's source stream fails", async () => {
    const store = new ResultStore({ storage: storage(), serializer: "binary" });
    await expect(store.put("broken", failingStream())).rejects.toThrow("the source broke");
    await sleep(50);
    expect(unhandled).toEqual([]);
    expect((await errorOf(store.get("broken"))).code).toBe("RESULT_NOT_FOUND");
  });

  it("leaves no unhandled rejection behind for missing results, slugs, types and references", async () => {
    const store = new ResultStore({ storage: storage() });
    expect((await failsCleanly(() => store.get("missing"))).code).toBe("RESULT_NOT_FOUND");
    expect((await failsCleanly(() => store.getStream("missing"))).code).toBe("RESULT_NOT_FOUND");
    expect((await failsCleanly(() => loadBlock("no-such-type/x"))).code).toBe("UNKNOWN_BLOCK_TYPE");
    expect((await failsCleanly(() => Secret.load("missing"))).code).toBe("BLOCK_NOT_FOUND");
    const reference = SecretValue.reference("secret/missing");
    const twice = () => Promise.all([reference.reveal(), reference.reveal()]);
    expect((await failsCleanly(twice)).code).toBe("SECRET_REFERENCE_UNRESOLVED");
    expect(
      (await failsCleanly(() => resolveTemplate({ url: "{{ blocks.secret.missing }}" }))).code,
    ).toBe("TEMPLATE_UNRESOLVED");
  });

  it("leaves no unhandled rejection behind when result storage named by a slug cannot load", async () => {
    const store = new ResultStore({ storage: "no-such-type/results" });
    await sleep(50);
    expect(unhandled).toEqual([]);
    expect((await failsCleanly(() => store.put("k", { a: 1 }))).code).toBe("UNKNOWN_BLOCK_TYPE");
    const report = persisted(async () => 1, { store, name: "report" });
    expect((await failsCleanly(() => report())).code).toBe("UNKNOWN_BLOCK_TYPE");
  });
});
