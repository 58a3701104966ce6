import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ObjectStoreWire } from "./object-store.js";
import { ObjectStoreByFolder, storageFolderField } from "./storage-folder.js";

const wire = {} as ObjectStoreWire;

describe("storageFolderField", () => {
  it("defaults to the bucket's root and keeps a folder as given", () => {
    const schema = z.object({ folder: storageFolderField() });
    expect(schema.parse({}).folder).toBe("");
    expect(schema.parse({ folder: "results/prod" }).folder).toBe("results/prod");
  });

  it("refuses at validation a folder that climbs out of the bucket", () => {
    const result = z.object({ folder: storageFolderField() }).safeParse({ folder: "a/../../b" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["folder"]);
  });
});

describe("ObjectStoreByFolder", () => {
  it("keeps one store while the folder stays and makes another when it changes", () => {
    const stores = new ObjectStoreByFolder();
    const first = stores.for(wire, "a");
    expect(stores.for(wire, "a")).toBe(first);
    const second = stores.for(wire, "b");
    expect(second).not.toBe(first);
    expect(second.objectKey("x.json")).toBe("b/x.json");
  });
});
