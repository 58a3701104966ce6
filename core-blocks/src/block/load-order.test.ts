import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  ReferenceNotFoundError,
  SchemaTooNewError,
  SecretReferenceError,
} from "../errors/index.js";
import type { JsonObject } from "../schema/index.js";
import { secret } from "../schema/index.js";
import type { BlockStore } from "../store/index.js";
import { defineBlock } from "./index.js";
import { caught, useFreshMemoryStore } from "./test-fixtures.js";

const Leaf = defineBlock({
  type: "load-order-leaf",
  schema: z.object({ value: z.string() }),
});

const Holder = defineBlock({
  type: "load-order-holder",
  schema: z.object({ token: secret(), leaf: Leaf.field().optional() }),
});

let store: BlockStore;
useFreshMemoryStore((fresh) => {
  store = fresh;
});

async function putHolder(name: string, data: JsonObject, schemaVersion = Holder.version) {
  await store.put({
    id: randomUUID(),
    type: Holder.type,
    name,
    data,
    schemaChecksum: Holder.checksum,
    schemaVersion,
    references: [],
    dataKey: null,
  });
}

describe("errors of a stored document that is wrong in several ways", () => {
  it("reports a malformed stored secret reference", async () => {
    await putHolder("bad-reference", { token: { $reference: "not a reference" } });
    const error = await caught(Holder.load("bad-reference", { store }));
    expect(SecretReferenceError.isInstance(error)).toBe(true);
  });

  it("reports a newer schema version before a malformed secret reference", async () => {
    await putHolder("too-new", { token: { $reference: "not a reference" } }, "99.0.0");
    const error = await caught(Holder.load("too-new", { store }));
    expect(SchemaTooNewError.isInstance(error)).toBe(true);
  });

  it("reports a missing nested block before a malformed secret reference", async () => {
    const missing = randomUUID();
    await putHolder("both", {
      token: { $reference: "not a reference" },
      leaf: { $ref: missing },
    });
    const error = await caught(Holder.load("both", { store }));
    expect(ReferenceNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(missing);
  });

  it("builds a nested block found after other fields", async () => {
    const leaf = await new Leaf({ value: "kept" }).save("leaf", { store });
    await putHolder("late-reference", {
      token: { $reference: "env:LOAD_ORDER_TOKEN" },
      leaf: { $ref: leaf.documentId! },
    });
    vi.stubEnv("LOAD_ORDER_TOKEN", "from-the-environment");
    const loaded = await Holder.load("late-reference", { store });
    expect(loaded.leaf?.value).toBe("kept");
    expect(loaded.leaf?.slug).toBe("load-order-leaf/leaf");
    expect(await loaded.token.reveal()).toBe("from-the-environment");
  });
});
