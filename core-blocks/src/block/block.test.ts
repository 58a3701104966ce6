import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import {
  BlockExistsError,
  BlockNotFoundError,
  BlockReferencedError,
  DocumentTooLargeError,
  InvalidSlugError,
  RevisionConflictError,
  ValidationFailedError,
} from "../errors/index.js";
import { secret } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";
import { type BlockStore, createMemoryStore, setDefaultStore } from "../store/index.js";
import { closeMatches, defineBlock, editDistance, getBlockType, loadBlock } from "./index.js";

class AwsCredentials extends defineBlock({
  type: "test-aws-credentials",
  title: "AWS credentials",
  description: "Keys for AWS.",
  schema: z.object({
    accessKeyId: z.string().optional(),
    secretAccessKey: secret().optional(),
    region: z.string().default("us-east-1"),
  }),
}) {
  describe(): string {
    return `${this.accessKeyId ?? "default chain"} in ${this.region}`;
  }
}

class S3Bucket extends defineBlock({
  type: "test-s3-bucket",
  title: "S3 bucket",
  capabilities: ["read-path", "write-path"],
  schema: z.object({
    bucketName: z.string(),
    credentials: AwsCredentials.field().prefault({}),
    bucketFolder: z.string().default(""),
  }),
}) {}

let store: BlockStore;

beforeEach(() => {
  vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));
  store = createMemoryStore();
  setDefaultStore(store);
});

afterEach(() => {
  vi.unstubAllEnvs();
  setDefaultStore(undefined);
});

describe("defineBlock", () => {
  it("gives instances their schema's fields with defaults applied", () => {
    const bucket = new S3Bucket({ bucketName: "b" });
    expect(bucket.bucketName).toBe("b");
    expect(bucket.bucketFolder).toBe("");
    expect(bucket.credentials).toBeInstanceOf(AwsCredentials);
    expect(bucket.credentials.describe()).toBe("default chain in us-east-1");
    expect(bucket.slug).toBeUndefined();
    expect(bucket.revision).toBeUndefined();
    expect(bucket.documentId).toBeUndefined();
    expectTypeOf(bucket.credentials).toEqualTypeOf<AwsCredentials>();
    expectTypeOf(bucket.bucketName).toEqualTypeOf<string>();
  });

  it("refuses invalid fields naming each field path and never the secret", () => {
    let caught: unknown;
    try {
      new S3Bucket({
        bucketName: 42 as unknown as string,
        credentials: { secretAccessKey: "hunter2-canary", region: 7 as unknown as string },
      });
    } catch (error) {
      caught = error;
    }
    expect(ValidationFailedError.isInstance(caught)).toBe(true);
    const error = caught as ValidationFailedError;
    expect(error.problems.map((problem) => problem.path)).toEqual([
      "bucketName",
      "credentials.region",
    ]);
    expect(error.message).toContain("test-s3-bucket");
    expect(error.message).toContain("credentials.region");
    expect(error.message).toContain("Fix the fields listed");
    expect(error.message).not.toContain("hunter2");
  });

  it("masks secrets in toJSON and inspect", () => {
    const credentials = new AwsCredentials({ secretAccessKey: "hunter2-canary" });
    expect(JSON.stringify(credentials)).toContain("********");
    expect(JSON.stringify(credentials)).not.toContain("hunter2");
    expect(inspect(credentials)).not.toContain("hunter2");
  });
});

describe("saving and loading", () => {
  it("saves and loads a block with a nested block and a secret", async () => {
    const bucket = new S3Bucket({
      bucketName: "b",
      credentials: new AwsCredentials({ region: "eu-west-1", secretAccessKey: "s3cr3t" }),
    });
    await bucket.save("results", { overwrite: true });
    expect(bucket.slug).toBe("test-s3-bucket/results");
    expect(bucket.revision).toBe(1);
    const stored = await store.get({ type: "test-s3-bucket", name: "results" });
    expect(JSON.stringify(stored)).not.toContain("s3cr3t");
    const again = await S3Bucket.load("results");
    expect(again).toBeInstanceOf(S3Bucket);
    expect(again.credentials.describe()).toBe("default chain in eu-west-1");
    expect(SecretValue.isInstance(again.credentials.secretAccessKey)).toBe(true);
    expect(await again.credentials.secretAccessKey?.reveal()).toBe("s3cr3t");
    const any = await loadBlock("test-s3-bucket/results");
    expect(any).toBeInstanceOf(S3Bucket);
    expect(getBlockType("test-s3-bucket")).toBe(S3Bucket);
  });

  it("stores a saved nested block as a reference that sees the child's changes", async () => {
    const credentials = await new AwsCredentials({ region: "eu-west-1" }).save("prod");
    await new S3Bucket({ bucketName: "b", credentials }).save("results");
    const loaded = await AwsCredentials.load("prod");
    loaded.region = "eu-central-1";
    await loaded.save("prod", { overwrite: true });
    const bucket = await S3Bucket.load("results");
    expect(bucket.credentials.region).toBe("eu-central-1");
    expect(bucket.credentials.slug).toBe("test-aws-credentials/prod");
    expect(bucket.credentials.revision).toBe(2);
    await expect(AwsCredentials.delete("prod")).rejects.toSatisfy(
      (error) =>
        BlockReferencedError.isInstance(error) && error.message.includes("test-s3-bucket/results"),
    );
  });

  it("keeps revisions, loads old ones and rolls back", async () => {
    const credentials = new AwsCredentials({ region: "a" });
    await credentials.save("history");
    credentials.region = "b";
    await credentials.save("history", { overwrite: true });
    expect((await AwsCredentials.load("history", { revision: 1 })).region).toBe("a");
    const history = await AwsCredentials.history("history");
    expect(history.map((entry) => entry.revision)).toEqual([2, 1]);
    const rolled = await AwsCredentials.rollback("history", 1);
    expect(rolled.region).toBe("a");
    expect(rolled.revision).toBe(3);
  });

  it("refuses to save over a name without overwrite, and compare-and-swap losers", async () => {
    await new AwsCredentials().save("taken");
    await expect(new AwsCredentials().save("taken")).rejects.toSatisfy(BlockExistsError.isInstance);
    await expect(new AwsCredentials().save("taken", { expectedRevision: 0 })).rejects.toSatisfy(
      RevisionConflictError.isInstance,
    );
    await new AwsCredentials().save("taken", { expectedRevision: 1 });
  });

  it("lists close matches when a name does not exist", async () => {
    await new AwsCredentials().save("production");
    await expect(AwsCredentials.load("producton")).rejects.toSatisfy(
      (error) =>
        BlockNotFoundError.isInstance(error) &&
        error.message.includes("test-aws-credentials/production"),
    );
  });
});

describe("hostile values", () => {
  it("round-trips constructor and prototype keys as plain data without polluting prototypes", async () => {
    const Bag = defineBlock({
      type: "test-bag",
      schema: z.object({ entries: z.record(z.string(), z.string()), tree: z.json() }),
    });
    const tree = JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}},"prototype":"p"}');
    const bag = new Bag({ entries: { constructor: "c", plain: "p" }, tree });
    await bag.save("bag");
    const loaded = await Bag.load("bag");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(loaded.entries.constructor).toBe("c");
    expect(loaded.entries.plain).toBe("p");
    expect(loaded.tree).toEqual(tree);
  });

  it("refuses a __proto__ key, at any depth, naming the field, rather than dropping it silently", async () => {
    const Bag = defineBlock({
      type: "test-proto-bag",
      schema: z.object({ entries: z.record(z.string(), z.unknown()).default({}) }),
    });
    const hostile = JSON.parse('{"__proto__":{"polluted":"yes"},"kept":"k"}');
    const onConstruction = (() => {
      try {
        return new Bag({ entries: hostile });
      } catch (error) {
        return error;
      }
    })();
    expect(ValidationFailedError.isInstance(onConstruction)).toBe(true);
    expect((onConstruction as Error).message).toContain(
      'entries: holds an object key named "__proto__"',
    );
    const bag = new Bag({});
    bag.entries = { nested: [hostile] };
    const onSave = await bag.save("proto").catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(onSave)).toBe(true);
    expect(await store.get({ type: "test-proto-bag", name: "proto" })).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a value nested 100,000 levels deep with VALIDATION_FAILED naming the field, on construction and on save", async () => {
    const Deep = defineBlock({
      type: "test-deep",
      schema: z.object({ tree: z.json(), bag: z.record(z.string(), z.unknown()).default({}) }),
    });
    let tree: z.infer<ReturnType<typeof z.json>> = 1;
    for (let level = 0; level < 100_000; level++) tree = level % 2 === 0 ? [tree] : { a: tree };
    const onConstruction = (() => {
      try {
        return new Deep({ tree });
      } catch (error) {
        return error;
      }
    })();
    expect(ValidationFailedError.isInstance(onConstruction)).toBe(true);
    expect((onConstruction as Error).message).toContain("tree: nests lists and objects");
    // A field changed after construction (a record of unknown values passes zod unchanged).
    const block = new Deep({ tree: 1 });
    block.bag = { deep: tree };
    const onSave = await block.save("deep").catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(onSave)).toBe(true);
    expect((onSave as Error).message).toContain("bag: nests lists and objects");
    expect(await store.get({ type: "test-deep", name: "deep" })).toBeUndefined();
  });

  it("refuses a value or an unsaved block that contains itself with VALIDATION_FAILED, and saves a block nested twice", async () => {
    const Holder = defineBlock({
      type: "test-holder",
      schema: z.object({ bag: z.record(z.string(), z.unknown()).default({}) }),
    });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const holder = new Holder({});
    holder.bag = loop;
    const valueCycle = await holder.save("loop").catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(valueCycle)).toBe(true);
    expect((valueCycle as Error).message).toContain("bag: nests lists and objects");
    holder.bag = { me: holder };
    const blockCycle = await holder.save("loop").catch((caught: unknown) => caught);
    expect(ValidationFailedError.isInstance(blockCycle)).toBe(true);
    expect((blockCycle as Error).message).toContain("bag.me: holds a block that contains");
    expect(await store.get({ type: "test-holder", name: "loop" })).toBeUndefined();
    const shared = new AwsCredentials({ region: "eu-west-1" });
    holder.bag = { first: shared, second: shared };
    await holder.save("twice");
    expect((await store.get({ type: "test-holder", name: "twice" }))?.data).toMatchObject({
      bag: { first: { region: "eu-west-1" }, second: { region: "eu-west-1" } },
    });
  });

  it("still loads a stored document that holds a __proto__ key, without polluting prototypes", async () => {
    const Bag = defineBlock({
      type: "test-stored-proto",
      schema: z.object({ entries: z.record(z.string(), z.string()) }),
    });
    await new Bag({ entries: { a: "b" } }).save("old");
    const stored = await store.get({ type: "test-stored-proto", name: "old" });
    await store.put({
      ...stored!,
      data: JSON.parse('{"entries":{"__proto__":{"polluted":"yes"},"a":"b"}}'),
      overwrite: true,
    });
    const loaded = await Bag.load("old");
    expect(loaded.entries.a).toBe("b");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a 10 MB document with DOCUMENT_TOO_LARGE naming the slug and the limit, storing nothing", async () => {
    const Note = defineBlock({
      type: "test-note",
      schema: z.object({ text: z.string(), password: secret().optional() }),
    });
    for (const fields of [
      { text: "x".repeat(10_000_000) },
      { text: "t", password: "p".repeat(10_000_000) },
    ]) {
      const error = await new Note(fields).save("huge").catch((caught: unknown) => caught);
      expect(DocumentTooLargeError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('"test-note/huge"');
      expect((error as Error).message).toContain("1048576");
      expect((error as Error).message).not.toContain("ppppp");
    }
    expect(await store.get({ type: "test-note", name: "huge" })).toBeUndefined();
  });

  it("saves and loads a value nested 256 levels deep exactly", async () => {
    const Deep = defineBlock({ type: "test-deep-limit", schema: z.object({ tree: z.json() }) });
    let tree: z.infer<ReturnType<typeof z.json>> = "leaf";
    for (let level = 0; level < 256; level++) tree = [tree];
    await new Deep({ tree }).save("limit");
    expect((await Deep.load("limit")).tree).toEqual(tree);
  });

  it("refuses values that are not JSON, naming the field", async () => {
    const Loose = defineBlock({
      type: "test-loose",
      schema: z.object({ when: z.instanceof(Date) }),
    });
    const error = await new Loose({ when: new Date() }).save("loose").catch((caught) => caught);
    expect(ValidationFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("when");
    expect((error as Error).message).toContain("Date");
  });

  it("says how to overwrite when a name is taken", async () => {
    await new AwsCredentials().save("taken-message");
    const error = await new AwsCredentials().save("taken-message").catch((caught) => caught);
    expect((error as Error).message).toContain("test-aws-credentials/taken-message");
    expect((error as Error).message).toContain("overwrite: true");
  });
});

describe("listing and names", () => {
  it("lists saved blocks of one type a page at a time", async () => {
    for (const name of ["c", "a", "b"]) await new AwsCredentials().save(name);
    await new S3Bucket({ bucketName: "other" }).save("a");
    const first = await AwsCredentials.list({ limit: 2 });
    expect(first.items.map((item) => item.name)).toEqual(["a", "b"]);
    const second = await AwsCredentials.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.name)).toEqual(["c"]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("refuses an upper-case name on save, suggesting the lower-case one", async () => {
    const error = await new AwsCredentials().save("Prod").catch((caught: unknown) => caught);
    expect(InvalidSlugError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('use "prod"');
    expect(await AwsCredentials.list()).toEqual({ items: [] });
  });

  it("suggests close matches only, closest first, never the name itself", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.array(fc.string({ maxLength: 12 })),
        (wanted, names) => {
          const matches = closeMatches(wanted, names);
          expect(matches.length).toBeLessThanOrEqual(3);
          expect(matches).not.toContain(wanted);
          const distances = matches.map((match) => editDistance(wanted, match));
          expect([...distances].sort((left, right) => left - right)).toEqual(distances);
        },
      ),
    );
    expect(closeMatches("prod", ["prod-eu", "staging", "prd"])).toEqual(["prd", "prod-eu"]);
  });
});

describe("round trips", () => {
  it("saves and loads any JSON value exactly", async () => {
    const Holder = defineBlock({ type: "test-holder", schema: z.object({ value: z.unknown() }) });
    const reserved = new Set(["$ref", "$sealed", "$reference", "$keep"]);
    const usesMarkers = (value: unknown): boolean => {
      if (Array.isArray(value)) return value.some(usesMarkers);
      if (value === null || typeof value !== "object") return false;
      const keys = Object.keys(value);
      if (keys.length === 1 && reserved.has(keys[0]!)) return true;
      // A `__proto__` key is refused on purpose (tested above), so it is not "any JSON value" here.
      if (keys.includes("__proto__")) return true;
      return Object.values(value).some(usesMarkers);
    };
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().filter((value) => !usesMarkers(value)),
        async (value) => {
          const name = `v${index++}`;
          await new Holder({ value }).save(name);
          const loaded = await Holder.load(name);
          expect(loaded.value).toEqual(JSON.parse(JSON.stringify(value)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("types", () => {
  it("infers instance, load and field types from the schema", async () => {
    const credentials = new AwsCredentials();
    expectTypeOf(credentials.region).toEqualTypeOf<string>();
    expectTypeOf(credentials.accessKeyId).toEqualTypeOf<string | undefined>();
    expectTypeOf(credentials.secretAccessKey).toEqualTypeOf<SecretValue<string> | undefined>();
    const load = () => S3Bucket.load("results");
    expectTypeOf(load).returns.resolves.toEqualTypeOf<S3Bucket>();
    const rollback = () => AwsCredentials.rollback("prod", 1);
    expectTypeOf(rollback).returns.resolves.toEqualTypeOf<AwsCredentials>();
    const field = AwsCredentials.field();
    expectTypeOf<z.output<typeof field>>().toEqualTypeOf<AwsCredentials>();
    // @ts-expect-error bucketName is required
    expect(() => new S3Bucket()).toThrow(ValidationFailedError);
    // @ts-expect-error region must be a string
    expect(() => new AwsCredentials({ region: 1 })).toThrow(ValidationFailedError);
    expect(new S3Bucket({ bucketName: "b", credentials: { region: "x" } }).credentials.region).toBe(
      "x",
    );
  });
});
