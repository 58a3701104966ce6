import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InvalidSlugError,
  NestingTooDeepError,
  ReferenceNotFoundError,
  UnknownBlockTypeError,
} from "../errors/index.js";
import type { BlockStore } from "../store/index.js";
import {
  defineBlock,
  getBlockType,
  listBlockTypes,
  loadBlock,
  MAX_NESTING_DEPTH,
  registerBlockType,
} from "./index.js";
import { caught, useFreshMemoryStore } from "./test-fixtures.js";

let store: BlockStore;
useFreshMemoryStore((fresh) => {
  store = fresh;
});

describe("the block type registry", () => {
  it("registers a class when defined and prefers its subclass once the subclass is used", async () => {
    const Base = defineBlock({ type: "registry-greeting", schema: z.object({ who: z.string() }) });
    expect(getBlockType("registry-greeting")).toBe(Base);
    class Greeting extends Base {
      greet(): string {
        return `hello ${this.who}`;
      }
    }
    await Greeting.list({ store });
    expect(getBlockType("registry-greeting")).toBe(Greeting);
    registerBlockType(Base);
    expect(getBlockType("registry-greeting")).toBe(Greeting);
    await new Greeting({ who: "you" }).save("hi", { store });
    const loaded = await loadBlock<Greeting>("registry-greeting/hi", { store });
    expect(loaded).toBeInstanceOf(Greeting);
    expect(loaded.greet()).toBe("hello you");
    expect(listBlockTypes().map((BlockClass) => BlockClass.type)).toContain("registry-greeting");
  });

  it("names the package to install for a type this process does not know", async () => {
    await store.putBlockType({
      type: "registry-missing",
      title: "Missing",
      description: "",
      capabilities: [],
      schemaVersion: "1.4.0",
      checksum: "sha256:0",
      jsonSchema: {},
      secretFields: [],
      package: { name: "@tessera/example", version: "1.4.0", coreRange: "^0.1.0" },
      registeredAt: new Date().toISOString(),
    });
    const error = await caught(loadBlock("registry-missing/x", { store }));
    expect(UnknownBlockTypeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("registry-missing");
    expect((error as Error).message).toContain("@tessera/example");
  });

  it("says how to register the class for a type that no package is recorded for", async () => {
    const error = await caught(loadBlock("registry-unrecorded/x", { store }));
    expect(UnknownBlockTypeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"registry-unrecorded"');
    expect((error as Error).message).toContain("registerBlockType(TheClass)");
    expect((error as Error).message).toContain("registerModule(<file>)");
  });

  it("refuses a malformed slug before touching the store", async () => {
    const error = await caught(loadBlock("Registry-Greeting/hi", { store }));
    expect(InvalidSlugError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"registry-greeting"');
  });
});

describe("nested references on load", () => {
  const Leaf = defineBlock({ type: "nesting-leaf", schema: z.object({ value: z.string() }) });

  it("shares one instance for a child referenced twice (a diamond)", async () => {
    const Pair = defineBlock({
      type: "nesting-pair",
      schema: z.object({ left: Leaf.field(), right: Leaf.field() }),
    });
    const leaf = await new Leaf({ value: "shared" }).save("leaf", { store });
    await new Pair({ left: leaf, right: leaf }).save("pair", { store });
    const pair = await Pair.load("pair", { store });
    expect(pair.left.value).toBe("shared");
    expect(pair.left).toBe(pair.right);
  });

  it("reports a child deleted with force when the parent loads", async () => {
    const Parent = defineBlock({
      type: "nesting-parent",
      schema: z.object({ leaf: Leaf.field() }),
    });
    const leaf = await new Leaf({ value: "gone" }).save("gone", { store });
    await new Parent({ leaf }).save("orphan", { store });
    await Leaf.delete("gone", { store, force: true });
    const error = await caught(Parent.load("orphan", { store }));
    expect(ReferenceNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("nesting-parent/orphan");
  });

  it("stops following references past the depth limit", async () => {
    const Chain = defineBlock({
      type: "nesting-chain",
      schema: z.object({ next: z.unknown().optional() }),
    });
    let id = (await new Leaf({ value: "end" }).save("end", { store })).documentId!;
    for (let index = 0; index <= MAX_NESTING_DEPTH; index++) {
      const document = await store.put({
        id: crypto.randomUUID(),
        type: "nesting-chain",
        name: `link-${index}`,
        data: { next: { $ref: id } },
        schemaChecksum: Chain.checksum,
        schemaVersion: Chain.version,
        references: [id],
        dataKey: null,
      });
      id = document.id;
    }
    const error = await caught(Chain.load(`link-${MAX_NESTING_DEPTH}`, { store }));
    expect(NestingTooDeepError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`nesting-chain/link-${MAX_NESTING_DEPTH}`);
    expect((error as Error).message).toContain("store deep children inline");
  });
});
