import { afterEach, describe, expect, it, vi } from "vitest";
import { announceCore, duplicateCores, thisCore } from "./core-copies.js";

const copiesKey = Symbol.for("tessera.core.instances");

interface CopyList {
  copies: Array<{ version: string; location: string }>;
  warned: Set<string>;
}

function copyList(): CopyList {
  const list = (globalThis as unknown as Record<symbol, CopyList | undefined>)[copiesKey];
  if (list === undefined) throw new Error("core did not announce itself");
  return list;
}

afterEach(() => {
  vi.restoreAllMocks();
  const list = copyList();
  list.copies = list.copies.filter((copy) => copy.location === thisCore.location);
  list.warned.clear();
});

describe("duplicate cores", () => {
  it("reports nothing while one copy of core is loaded", () => {
    expect(copyList().copies).toContainEqual(thisCore);
    expect(duplicateCores()).toEqual([]);
  });

  it("names both versions and locations once a second copy has announced itself", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const other = {
      version: "9.9.9",
      location: "/elsewhere/node_modules/@tessera/core/dist/index.js",
    };
    copyList().copies.unshift(other);
    announceCore();
    announceCore();
    expect(duplicateCores()).toEqual([other, { ...thisCore }]);
    expect(written).toHaveLength(1);
    expect(written[0]).toContain("2 copies of @tessera/core are loaded");
    expect(written[0]).toContain(`@tessera/core 9.9.9 at ${other.location}`);
    expect(written[0]).toContain(`@tessera/core ${thisCore.version} at ${thisCore.location}`);
    expect(written[0]).toContain("npm ls @tessera/core");
  });
});
