import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BlockNotFoundError,
  IntegrationTooOldError,
  InvalidBlockDefinitionError,
  InvalidInputError,
  RevisionConflictError,
  SchemaMismatchError,
  SchemaTooNewError,
} from "../errors/index.js";
import { secret } from "../schema/index.js";
import type { BlockStore } from "../store/index.js";
import { defineBlock, setDefiningPackage } from "./index.js";
import { caught, useFreshMemoryStore } from "./test-fixtures.js";

let store: BlockStore;
useFreshMemoryStore(
  (fresh) => {
    store = fresh;
  },
  { limits: { revisionsKept: 3 } },
);

describe("schema versions and migrations", () => {
  const ConnectionV1 = defineBlock({
    type: "versioned-connection",
    version: "1.2.0",
    schema: z.object({ url: z.string(), pass: secret() }),
  });

  it("records the schema version and checksum on every revision", async () => {
    await new ConnectionV1({ url: "a", pass: "p" }).save("main", { store });
    const document = await store.get({ type: "versioned-connection", name: "main" });
    expect(document?.schemaVersion).toBe("1.2.0");
    expect(document?.schemaChecksum).toBe(ConnectionV1.checksum);
    expect((await store.getBlockType("versioned-connection"))?.schemaVersion).toBe("1.2.0");
  });

  it("migrates a document saved under an older major version on load, moving secrets intact", async () => {
    await new ConnectionV1({ url: "db.internal:5432", pass: "s3cret" }).save("old", { store });
    const ConnectionV2 = defineBlock({
      type: "versioned-connection",
      version: "2.1.0",
      schema: z.object({ host: z.string(), port: z.number(), password: secret() }),
      migrations: [
        {
          from: "1.x",
          to: "2.0.0",
          up: ({ url, pass }) => {
            const [host, port] = String(url).split(":");
            return { host, port: Number(port), password: pass };
          },
        },
      ],
    });
    const loaded = await ConnectionV2.load("old", { store });
    expect(loaded.host).toBe("db.internal");
    expect(loaded.port).toBe(5432);
    expect(await loaded.password.reveal()).toBe("s3cret");
    await loaded.save("old", { store, overwrite: true });
    const document = await store.get({ type: "versioned-connection", name: "old" });
    expect(document?.schemaVersion).toBe("2.1.0");
    expect(Object.keys(document?.data ?? {}).sort()).toEqual(["host", "password", "port"]);
    expect(await (await ConnectionV2.load("old", { store })).password.reveal()).toBe("s3cret");
  });

  it("refuses a document that is neither valid nor migratable, naming both versions and the fields", async () => {
    await new ConnectionV1({ url: "a", pass: "p" }).save("stuck", { store });
    const Strict = defineBlock({
      type: "versioned-connection",
      version: "2.0.0",
      schema: z.object({ host: z.string(), pass: secret() }),
    });
    const error = await caught(Strict.load("stuck", { store }));
    expect(SchemaMismatchError.isInstance(error)).toBe(true);
    const mismatch = error as SchemaMismatchError;
    expect(mismatch.message).toContain("versioned-connection/stuck");
    expect(mismatch.message).toContain("1.2.0");
    expect(mismatch.message).toContain("2.0.0");
    expect(mismatch.message).toContain("host");
    expect(mismatch.message).toContain("migration");
    expect((await store.get({ type: "versioned-connection", name: "stuck" }))?.data.url).toBe("a");
  });

  it("refuses a document saved by a newer major schema version, naming the version to install", async () => {
    const Newer = defineBlock({
      type: "versioned-newer",
      version: "3.0.0",
      schema: z.object({ url: z.string() }),
    });
    await new Newer({ url: "a" }).save("future", { store });
    const Older = defineBlock({
      type: "versioned-newer",
      version: "2.4.0",
      schema: z.object({ url: z.string() }),
    });
    const error = await caught(Older.load("future", { store }));
    expect(SchemaTooNewError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("versioned-newer/future");
    expect((error as Error).message).toContain("3.0.0");
    expect((error as Error).message).toContain("2.4.0");
    expect((error as Error).message).toContain("Install the code that defines");
  });

  it("takes the schema version from the defining package and records the package", async () => {
    const Packaged = defineBlock({
      type: "versioned-packaged",
      schema: z.object({ a: z.string() }),
    });
    expect(Packaged.version).toBe("1.0.0");
    setDefiningPackage(Packaged, {
      name: "@tessera/example",
      version: "2.3.1",
      coreRange: "^0.1.0",
    });
    expect(Packaged.version).toBe("2.3.1");
    await new Packaged({ a: "x" }).save("p", { store });
    const document = await store.get({ type: "versioned-packaged", name: "p" });
    expect(document?.package).toEqual({
      name: "@tessera/example",
      version: "2.3.1",
      coreRange: "^0.1.0",
    });
    expect((await store.getBlockType("versioned-packaged"))?.package?.name).toBe(
      "@tessera/example",
    );
  });

  it("refuses a document written by a newer major version of the defining package", async () => {
    const Writer = defineBlock({
      type: "versioned-integration",
      version: "1.0.0",
      schema: z.object({ a: z.string() }),
    });
    setDefiningPackage(Writer, { name: "@tessera/example", version: "3.1.0", coreRange: "^0.1.0" });
    await new Writer({ a: "x" }).save("p", { store });
    const Reader = defineBlock({
      type: "versioned-integration",
      version: "1.0.0",
      schema: z.object({ a: z.string() }),
    });
    setDefiningPackage(Reader, { name: "@tessera/example", version: "2.0.0", coreRange: "^0.1.0" });
    const error = await caught(Reader.load("p", { store }));
    expect(IntegrationTooOldError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("@tessera/example@^3.1.0");
    expect((error as Error).message).toContain("versioned-integration/p");
  });

  it("refuses a definition with a bad version, migration or field name", () => {
    const bad = [
      () => defineBlock({ type: "Bad-Type", schema: z.object({}) }),
      () => defineBlock({ type: "bad-version", version: "one", schema: z.object({}) }),
      () =>
        defineBlock({
          type: "bad-migration",
          schema: z.object({}),
          migrations: [{ from: "not a range ~~", to: "x", up: (data) => data }],
        }),
      // @ts-expect-error a field named like a block member is a type error too
      () => defineBlock({ type: "bad-field", schema: z.object({ save: z.string() }) }),
    ];
    const messages: string[] = [];
    for (const define of bad) {
      let error: unknown;
      try {
        define();
      } catch (thrown) {
        error = thrown;
      }
      expect(InvalidBlockDefinitionError.isInstance(error)).toBe(true);
      messages.push((error as Error).message);
    }
    expect(messages[0]).toContain('use "bad-type"');
    expect(messages[1]).toContain('"1.0.0"');
    expect(messages[2]).toContain("semver range");
    expect(messages[3]).toContain('field "save"');
    expect(messages[3]).toContain("rename the field");
  });
});

describe("revisions", () => {
  const Note = defineBlock({ type: "revision-note", schema: z.object({ text: z.string() }) });

  it("lets exactly one of two writers of the same revision win", async () => {
    const first = await new Note({ text: "v1" }).save("race", { store });
    const a = await Note.load("race", { store });
    const b = await Note.load("race", { store });
    a.text = "a";
    b.text = "b";
    const results = await Promise.allSettled([
      a.save("race", { store, expectedRevision: first.revision }),
      b.save("race", { store, expectedRevision: first.revision }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(RevisionConflictError.isInstance(loser.reason)).toBe(true);
    expect((await Note.load("race", { store })).revision).toBe(2);
  });

  it("keeps only the configured number of revisions", async () => {
    const note = new Note({ text: "0" });
    for (let index = 0; index < 5; index++) {
      note.text = String(index);
      await note.save("kept", { store, overwrite: true });
    }
    expect((await Note.history("kept", { store })).map((entry) => entry.revision)).toEqual([
      5, 4, 3,
    ]);
  });

  it("renames without breaking documents that reference the block", async () => {
    const Holder = defineBlock({
      type: "revision-holder",
      schema: z.object({ note: Note.field() }),
    });
    const note = await new Note({ text: "shared" }).save("before", { store });
    await new Holder({ note }).save("holder", { store });
    const renamed = await Note.rename("before", "after", { store });
    expect(renamed.slug).toBe("revision-note/after");
    const holder = await Holder.load("holder", { store });
    expect(holder.note.slug).toBe("revision-note/after");
    expect(holder.note.text).toBe("shared");
    expect((await Note.history("after", { store }))[0]?.operation).toBe("rename");
  });

  it("replaces the whole document: fields the schema no longer has do not survive", async () => {
    const Wide = defineBlock({
      type: "revision-shape",
      schema: z.object({ keep: z.string(), drop: z.string() }),
    });
    await new Wide({ keep: "k", drop: "d" }).save("shape", { store });
    const Narrow = defineBlock({ type: "revision-shape", schema: z.object({ keep: z.string() }) });
    const loaded = await Narrow.load("shape", { store });
    await loaded.save("shape", { store, overwrite: true });
    expect((await store.get({ type: "revision-shape", name: "shape" }))?.data).toEqual({
      keep: "k",
    });
  });
});

describe("missing documents", () => {
  const Memo = defineBlock({ type: "missing-memo", schema: z.object({ text: z.string() }) });

  it("names close matches for the history, rollback and rename of a missing name", async () => {
    await new Memo({ text: "x" }).save("quarterly", { store });
    for (const call of [
      () => Memo.history("quartely", { store }),
      () => Memo.rollback("quartely", 1, { store }),
      () => Memo.rename("quartely", "other", { store }),
    ]) {
      const error = await caught(call());
      expect(BlockNotFoundError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('"missing-memo/quartely"');
      expect((error as Error).message).toContain("missing-memo/quarterly");
    }
    const pruned = await caught(Memo.rollback("quarterly", 7, { store }));
    expect((pruned as Error).message).toContain("Revision 7");
  });
});

describe("failing migrations", () => {
  it("reports a migration that throws as a schema mismatch naming the step", async () => {
    const Before = defineBlock({
      type: "migration-failing",
      version: "1.0.0",
      schema: z.object({ size: z.string() }),
    });
    await new Before({ size: "big" }).save("m", { store });
    const After = defineBlock({
      type: "migration-failing",
      version: "2.0.0",
      schema: z.object({ bytes: z.number() }),
      migrations: [
        {
          from: "^1",
          to: "2.0.0",
          up: () => {
            throw new Error("size is not a number");
          },
        },
      ],
    });
    const error = await caught(After.load("m", { store }));
    expect(SchemaMismatchError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("the migration from 1.0.0 to 2.0.0 failed");
    expect((error as Error).message).toContain("migration-failing/m");
  });
});

describe("upgrade", () => {
  it("saves a migrated block back in the current schema, once", async () => {
    const Old = defineBlock({
      type: "upgrade-target",
      version: "1.0.0",
      schema: z.object({ mb: z.number(), token: secret() }),
    });
    await new Old({ mb: 2, token: "t0k3n" }).save("u", { store });
    const New = defineBlock({
      type: "upgrade-target",
      version: "2.0.0",
      schema: z.object({ bytes: z.number(), token: secret() }),
      migrations: [
        { from: "1.x", to: "2.0.0", up: ({ mb, token }) => ({ bytes: Number(mb) * 1e6, token }) },
      ],
    });
    const upgraded = await New.upgrade("u", { store });
    expect(upgraded.revision).toBe(2);
    expect(upgraded.bytes).toBe(2e6);
    const document = await store.get({ type: "upgrade-target", name: "u" });
    expect(document?.schemaVersion).toBe("2.0.0");
    expect(document?.data.bytes).toBe(2e6);
    expect(await (await New.load("u", { store })).token.reveal()).toBe("t0k3n");
    expect((await New.upgrade("u", { store })).revision).toBe(2);
  });
});

describe("numeric options", () => {
  const Counter = defineBlock({ type: "options-counter", schema: z.object({ count: z.number() }) });

  it("refuses a revision, expectedRevision or limit that is not a whole number in range, naming the option, before any store call", async () => {
    await new Counter({ count: 1 }).save("one", { store });
    const cases: Array<[string, () => Promise<unknown>]> = [];
    for (const revision of [0, -1, 1.5, Number.NaN, "1" as unknown as number]) {
      cases.push(["revision", () => Counter.load("one", { store, revision })]);
      cases.push(["revision", () => Counter.rollback("one", revision, { store })]);
    }
    for (const expectedRevision of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      cases.push([
        "expectedRevision",
        () => new Counter({ count: 2 }).save("one", { store, expectedRevision }),
      ]);
      cases.push([
        "expectedRevision",
        () => Counter.rename("one", "two", { store, expectedRevision }),
      ]);
    }
    for (const limit of [0, -5, 2.5, Number.NaN]) {
      cases.push(["limit", () => Counter.list({ store, limit })]);
    }
    for (const [option, call] of cases) {
      const error = await call().catch((caught: unknown) => caught);
      expect(InvalidInputError.isInstance(error), `${option}: ${String(error)}`).toBe(true);
      expect((error as InvalidInputError).subject).toBe(option);
      expect((error as Error).message).toContain(`The option ${option} must be a whole number`);
    }
    const stored = await store.get({ type: "options-counter", name: "one" });
    expect(stored?.revision).toBe(1);
    expect(stored?.data).toEqual({ count: 1 });
    expect((await Counter.load("one", { store, revision: 1 })).count).toBe(1);
  });
});
