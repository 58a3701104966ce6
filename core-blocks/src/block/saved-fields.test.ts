import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DocumentTooLargeError,
  InvalidInputError,
  RevisionConflictError,
  SchemaMismatchError,
  ValidationFailedError,
} from "../errors/index.js";
import { secret } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";
import { type BlockStore, createMemoryStore, openSqliteStore } from "../store/index.js";
import { defineBlock } from "./index.js";
import { caught, useFreshMemoryStore } from "./test-fixtures.js";

const Credentials = defineBlock({
  type: "saved-fields-credentials",
  schema: z.object({
    region: z.string(),
    accessKeyId: z.string().optional(),
    secretAccessKey: secret().optional(),
    port: z.number().int().optional(),
  }),
});

const Bucket = defineBlock({
  type: "saved-fields-bucket",
  schema: z.object({
    bucketName: z.string(),
    bucketFolder: z.string().default(""),
    credentials: Credentials.field().optional(),
  }),
});

let store: BlockStore;
useFreshMemoryStore((fresh) => {
  store = fresh;
});

describe("fields assigned after construction", () => {
  it("saves fields assigned after construction, secrets included, and loads them back", async () => {
    const credentials = new Credentials({ region: "eu-west-1" });
    credentials.accessKeyId = "AKIAEXAMPLE";
    (credentials as { secretAccessKey: unknown }).secretAccessKey = "assigned-secret-canary";
    await credentials.save("prod", { store });

    const stored = await store.get({ type: "saved-fields-credentials", name: "prod" });
    expect(stored?.data.accessKeyId).toBe("AKIAEXAMPLE");
    expect(stored?.data.secretAccessKey).toMatchObject({ $sealed: expect.any(String) });
    expect(JSON.stringify(stored)).not.toContain("assigned-secret-canary");

    const loaded = await Credentials.load("prod", { store });
    expect(loaded.accessKeyId).toBe("AKIAEXAMPLE");
    expect(await loaded.secretAccessKey?.reveal()).toBe("assigned-secret-canary");
  });

  it("turns a secret field assigned a plain string into a SecretValue once saved", async () => {
    const credentials = new Credentials({ region: "eu-west-1" });
    (credentials as { secretAccessKey: unknown }).secretAccessKey = "plain-string-canary";
    await credentials.save("plain", { store });
    expect(SecretValue.isInstance(credentials.secretAccessKey)).toBe(true);
    expect(await credentials.secretAccessKey?.reveal()).toBe("plain-string-canary");
  });

  it("shows assigned fields in toJSON, masking a secret assigned as a plain string", () => {
    const credentials = new Credentials({ region: "eu-west-1" });
    credentials.accessKeyId = "AKIAEXAMPLE";
    (credentials as { secretAccessKey: unknown }).secretAccessKey = "json-secret-canary";
    const json = credentials.toJSON();
    expect(json).toEqual({
      region: "eu-west-1",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "********",
    });
    credentials.port = 1.5;
    expect(JSON.stringify(credentials.toJSON())).not.toContain("json-secret-canary");
  });

  it("refuses at save an assignment that fails the schema, naming the field", async () => {
    const credentials = new Credentials({ region: "eu-west-1" });
    (credentials as { port: unknown }).port = "not a number";
    const error = await caught(credentials.save("bad", { store }));
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as ValidationFailedError).problems.map((problem) => problem.path)).toEqual([
      "port",
    ]);
    expect(await store.get({ type: "saved-fields-credentials", name: "bad" })).toBeUndefined();
  });
});

describe("unknown fields", () => {
  it("refuses a field the schema does not have, naming it and the closest field", () => {
    const error = (() => {
      try {
        new Credentials({ region: "eu-west-1", prot: 6543 } as never);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    const problems = (error as ValidationFailedError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("prot");
    expect(problems[0]!.message).toContain('did you mean "port"');
  });

  it("refuses an unknown field of a nested block given as plain fields", () => {
    expect(
      () =>
        new Bucket({
          bucketName: "b",
          credentials: { region: "eu-west-1", acessKeyId: "x" },
        } as never),
    ).toThrow(/credentials\.acessKeyId: .*did you mean "accessKeyId"/);
  });
});

describe("unknown keys inside fields", () => {
  const Job = defineBlock({
    type: "saved-fields-job",
    schema: z.object({
      options: z.object({ timeout: z.number().default(30) }).prefault({}),
      steps: z.array(z.object({ command: z.string() })).default([]),
      labels: z.looseObject({ team: z.string().optional() }).optional(),
    }),
  });

  it("refuses an unknown key in a nested object or list item, at construction, naming its path", () => {
    let error: unknown;
    try {
      new Job({ options: { timout: 5 }, steps: [{ command: "a" }, { comand: "b" }] } as never);
    } catch (thrown) {
      error = thrown;
    }
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as ValidationFailedError).problems.map((problem) => problem.path)).toEqual([
      "options.timout",
      "steps.1.comand",
    ]);
    expect((error as Error).message).toContain('did you mean "timeout"');
  });

  it("refuses at save an unknown key assigned inside a field, and keeps keys of open objects", async () => {
    const job = new Job({ labels: { team: "data", cost: "eu" } as never });
    (job as { options: unknown }).options = { timout: 5 };
    const error = await caught(job.save("assigned", { store }));
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as ValidationFailedError).problems[0]?.path).toBe("options.timout");
    job.options = { timeout: 5 };
    await job.save("assigned", { store });
    expect((await Job.load("assigned", { store })).labels).toEqual({ team: "data", cost: "eu" });
  });
});

describe("saving a loaded block in place", () => {
  it("saves under the loaded name as the next revision and tracks it", async () => {
    await new Bucket({ bucketName: "data" }).save("prod", { store });
    const loaded = await Bucket.load("prod", { store });
    loaded.bucketFolder = "x";
    await loaded.save(undefined, { store });
    expect(loaded.revision).toBe(2);
    expect((await Bucket.load("prod", { store })).bucketFolder).toBe("x");
    loaded.bucketFolder = "y";
    await loaded.save(undefined, { store });
    expect(loaded.revision).toBe(3);
  });

  it("refuses with REVISION_CONFLICT naming both revisions when another writer saved in between", async () => {
    await new Credentials({ region: "eu-west-1", secretAccessKey: "s" }).save("shared", {
      store,
    });
    for (const withSecrets of [true, false]) {
      const name = withSecrets ? "shared" : "plain";
      if (!withSecrets) await new Credentials({ region: "eu-west-1" }).save(name, { store });
      const first = await Credentials.load(name, { store });
      const second = await Credentials.load(name, { store });
      first.region = "us-east-1";
      await first.save(undefined, { store });
      second.region = "ap-south-1";
      const error = await caught(second.save(undefined, { store }));
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      expect((error as RevisionConflictError).expectedRevision).toBe(1);
      expect((error as RevisionConflictError).actualRevision).toBe(2);
      expect((await Credentials.load(name, { store })).region).toBe("us-east-1");
    }
  });

  it("refuses an in-place save after another connection to the same SQLite file saved", async () => {
    const folder = mkdtempSync(join(tmpdir(), "tessera-in-place-"));
    const path = join(folder, "tessera.db");
    const first = await openSqliteStore({ path });
    const second = await openSqliteStore({ path });
    try {
      await new Bucket({ bucketName: "data" }).save("shared", { store: first });
      const mine = await Bucket.load("shared", { store: first });
      const theirs = await Bucket.load("shared", { store: second });
      theirs.bucketFolder = "theirs";
      await theirs.save();
      mine.bucketFolder = "mine";
      const error = await caught(mine.save());
      expect(RevisionConflictError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain("revision 1");
      expect((error as Error).message).toContain("revision 2");
      expect((await Bucket.load("shared", { store: first })).bucketFolder).toBe("theirs");
    } finally {
      await first.close();
      await second.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("saves in place to the store it was loaded from when save() is given nothing", async () => {
    await new Bucket({ bucketName: "data" }).save("home", { store });
    const loaded = await Bucket.load("home", { store });
    loaded.bucketFolder = "z";
    await loaded.save();
    expect(loaded.revision).toBe(2);
    expect((await Bucket.load("home", { store })).bucketFolder).toBe("z");
  });

  it("refuses save() without a name on a block never saved, saying to give one", async () => {
    const error = await caught(new Bucket({ bucketName: "data" }).save());
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('save("<name>")');
  });
});

describe("stored fields the schema no longer has", () => {
  const Wide = defineBlock({
    type: "saved-fields-shape",
    schema: z.object({ keep: z.string(), legacy: z.string() }),
  });

  it("are reported by upgrade naming the field, and dropped only when asked", async () => {
    await new Wide({ keep: "k", legacy: "old" }).save("shape", { store });
    const Narrow = defineBlock({
      type: "saved-fields-shape",
      schema: z.object({ keep: z.string() }),
    });
    const error = await caught(Narrow.upgrade("shape", { store }));
    expect(SchemaMismatchError.isInstance(error)).toBe(true);
    expect((error as SchemaMismatchError).problems.map((problem) => problem.path)).toEqual([
      "legacy",
    ]);
    expect((error as Error).message).toContain("dropUnknownFields");
    expect((await store.get({ type: "saved-fields-shape", name: "shape" }))?.revision).toBe(1);

    const upgraded = await Narrow.upgrade("shape", { store, dropUnknownFields: true });
    expect(upgraded.revision).toBe(2);
    expect((await store.get({ type: "saved-fields-shape", name: "shape" }))?.data).toEqual({
      keep: "k",
    });
  });
});

describe("options of library calls", () => {
  it.each([
    ["a misspelt option", { overwirte: true }, "overwirte", /did you mean "overwrite"/],
    ["a store given as a string", { store: "x" }, "store", /must be a block store/],
    ["a flag given as a string", { overwrite: "yes" }, "overwrite", /must be true or false/],
  ])("refuses %s to save with INVALID_INPUT naming the option", async (_, options, option, message) => {
    const error = await caught(new Bucket({ bucketName: "b" }).save("x", options as never));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).subject).toBe(option);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses misspelt options of load, delete, list, history, rollback, rename and upgrade", async () => {
    await new Bucket({ bucketName: "b" }).save("x", { store });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["revison", () => Bucket.load("x", { store, revison: 1 } as never)],
      ["forse", () => Bucket.delete("x", { store, forse: true } as never)],
      ["limt", () => Bucket.list({ store, limt: 5 } as never)],
      ["stor", () => Bucket.history("x", { stor: store } as never)],
      ["expectedRevison", () => Bucket.rollback("x", 1, { store, expectedRevison: 1 } as never)],
      ["expected", () => Bucket.rename("x", "y", { store, expected: 1 } as never)],
      ["sotre", () => Bucket.upgrade("x", { sotre: store } as never)],
    ];
    for (const [option, call] of calls) {
      const error = await caught(call());
      expect(InvalidInputError.isInstance(error), option).toBe(true);
      expect((error as InvalidInputError).subject).toBe(option);
    }
    expect(await store.get({ type: "saved-fields-bucket", name: "x" })).toBeDefined();
  });
});

describe("document size", () => {
  it("refuses an oversized secret before sealing it: the store is never asked to write", async () => {
    const small = createMemoryStore({ limits: { maxDocumentBytes: 64 * 1024 } });
    let writes = 0;
    const counting = new Proxy(small, {
      get(target, property, receiver) {
        if (property === "put") {
          return (...args: Parameters<BlockStore["put"]>) => {
            writes++;
            return target.put(...args);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const credentials = new Credentials({
      region: "eu-west-1",
      secretAccessKey: "k".repeat(100 * 1024),
    });
    const error = await caught(credentials.save("big", { store: counting }));
    expect(DocumentTooLargeError.isInstance(error)).toBe(true);
    expect((error as DocumentTooLargeError).limit).toBe(64 * 1024);
    expect(writes).toBe(0);
  });
});
