import { posix, resolve, sep } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PathOutsideBaseError } from "../errors/index.js";
import {
  resolveBaseFolder,
  resolveStoragePath,
  resolveStoragePrefix,
  StoragePathResolver,
} from "./storage-path.js";

function refusal(path: string): string | undefined {
  try {
    resolveStoragePath(path);
    return undefined;
  } catch (error) {
    return PathOutsideBaseError.isInstance(error) ? error.code : `unexpected: ${String(error)}`;
  }
}

/** Path-like strings: segments built from the characters that matter, joined by slashes. */
const pathLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "",
        ".",
        "..",
        "a",
        "b.txt",
        "%2e",
        "%2E%2e",
        "%252e",
        "%2f",
        "%00",
        "~",
        " ",
      ),
      fc.string({
        unit: fc.constantFrom("a", ".", "%", "2", "e", "f", "\\", "\u0000", "\n", "é", "/"),
      }),
      fc.string({ unit: "grapheme" }),
    ),
    { maxLength: 8 },
  )
  .map((segments) => segments.join("/"));

const anyPath = fc.oneof(pathLike, fc.string({ unit: "binary" }), fc.string());

describe("resolveStoragePath", () => {
  it("gives one key for every spelling of a path", () => {
    for (const spelling of [
      "a/b",
      "a//b",
      "./a/b",
      "/a/b",
      "a/b/",
      "a/./b",
      "//a///./b//",
      "./././a/b",
    ]) {
      expect(resolveStoragePath(spelling)).toBe("a/b");
    }
  });

  it("keeps names that merely contain dots or percent signs", () => {
    expect(resolveStoragePath("a/..b/c..")).toBe("a/..b/c..");
    expect(resolveStoragePath("reports/.hidden/...")).toBe("reports/.hidden/...");
    expect(resolveStoragePath("100%/done%20now")).toBe("100%/done%20now");
    expect(resolveStoragePath("données/été.json")).toBe("données/été.json");
  });

  it("refuses parent segments, even ones that would stay inside", () => {
    for (const path of ["..", "../a", "a/..", "a/../b", "a/b/../../..", "/../a"]) {
      expect(refusal(path)).toBe("PATH_OUTSIDE_BASE");
    }
  });

  it("refuses NUL, control characters, backslashes and unpaired surrogates", () => {
    for (const path of [
      "a\u0000",
      "a/\nb",
      "a\rb",
      "tab\there",
      "del\u007f",
      "c1\u0085",
      "a\\b",
      "..\\a",
      "\uD800x",
    ]) {
      expect(refusal(path)).toBe("PATH_OUTSIDE_BASE");
    }
  });

  it("refuses percent-encoded dot segments and encoded separators, however often encoded", () => {
    for (const path of [
      "%2e%2e/a",
      "a/%2E%2E",
      "%2e",
      "a/%252e%252e/b",
      "a%2fb",
      "a%5cb",
      "a%00b",
      "%25%32%65%25%32%65",
    ]) {
      expect(refusal(path)).toBe("PATH_OUTSIDE_BASE");
    }
  });

  it("refuses a path that names no file", () => {
    for (const path of ["", "/", ".", "./", "//./"]) {
      expect(refusal(path)).toBe("PATH_OUTSIDE_BASE");
    }
  });

  it("names the refused path and the rule in its message", () => {
    try {
      resolveStoragePath("reports/../../etc/passwd");
      expect.unreachable();
    } catch (error) {
      expect(PathOutsideBaseError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('"reports/../../etc/passwd"');
      expect((error as Error).message).toContain('".." segment');
    }
  });

  it("never crashes: random input resolves or is refused with PATH_OUTSIDE_BASE", () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const outcome = refusal(path);
        expect(outcome === undefined || outcome === "PATH_OUTSIDE_BASE").toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("never escapes: a resolved key has no empty, '.' or '..' segment and no leading slash", () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        if (refusal(path) !== undefined) return;
        const key = resolveStoragePath(path);
        expect(key.length).toBeGreaterThan(0);
        expect(key.startsWith("/")).toBe(false);
        for (const segment of key.split("/")) {
          expect(["", ".", ".."].includes(segment)).toBe(false);
        }
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
        expect(/[\u0000-\u001f\u007f-\u009f\\]/.test(key)).toBe(false);
        const base = resolve("/srv/base");
        const joined = resolve(base, ...key.split("/"));
        expect(joined.startsWith(base + sep)).toBe(true);
        expect(posix.normalize(`/root/${key}`).startsWith("/root/")).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("is idempotent: resolving a key again gives the same key", () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        if (refusal(path) !== undefined) return;
        const key = resolveStoragePath(path);
        expect(resolveStoragePath(key)).toBe(key);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("resolveStoragePrefix", () => {
  it("keeps a trailing slash, which selects a folder rather than a partial name", () => {
    expect(resolveStoragePrefix("reports/")).toBe("reports/");
    expect(resolveStoragePrefix("/reports//")).toBe("reports/");
    expect(resolveStoragePrefix("reports/.")).toBe("reports/");
    expect(resolveStoragePrefix("reports")).toBe("reports");
    expect(resolveStoragePrefix("")).toBe("");
    expect(resolveStoragePrefix("/")).toBe("");
    expect(resolveStoragePrefix()).toBe("");
  });

  it("refuses the same escapes as a path", () => {
    expect(() => resolveStoragePrefix("../")).toThrow(PathOutsideBaseError);
    expect(() => resolveStoragePrefix("a/%2e%2e/")).toThrow(PathOutsideBaseError);
  });

  it("is idempotent on random input", () => {
    fc.assert(
      fc.property(anyPath, (prefix) => {
        let resolved: string;
        try {
          resolved = resolveStoragePrefix(prefix);
        } catch (error) {
          expect(PathOutsideBaseError.isInstance(error)).toBe(true);
          return;
        }
        expect(resolveStoragePrefix(resolved)).toBe(resolved);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("StoragePathResolver", () => {
  it("joins the base folder exactly once, however often a key goes round", () => {
    const paths = new StoragePathResolver("/results//");
    expect(paths.baseFolder).toBe("results");
    const key = paths.key("/flow/run-1/output.json");
    expect(paths.location(key)).toBe("results/flow/run-1/output.json");
    expect(paths.location(paths.key(paths.key(key)))).toBe("results/flow/run-1/output.json");
    expect(paths.keyFromLocation(paths.location(key))).toBe(key);
  });

  it("keeps a leading slash inside the base folder", () => {
    expect(new StoragePathResolver("tenant-a").location("/secrets.json")).toBe(
      "tenant-a/secrets.json",
    );
  });

  it("lists under the base folder and maps listed locations back to keys", () => {
    const paths = new StoragePathResolver("base");
    expect(paths.listPrefix()).toBe("base/");
    expect(paths.listPrefix("runs")).toBe("base/runs");
    expect(paths.keyFromLocation("base/runs/a.json")).toBe("runs/a.json");
    expect(paths.keyFromLocation("other/runs/a.json")).toBeUndefined();
    expect(paths.keyFromLocation("base/folder/")).toBeUndefined();
    expect(paths.keyFromLocation("base-2/x")).toBeUndefined();
  });

  it("works without a base folder", () => {
    const paths = new StoragePathResolver();
    expect(paths.location("/a")).toBe("a");
    expect(paths.listPrefix()).toBe("");
    expect(resolveBaseFolder("")).toBe("");
  });

  it("never produces a location outside its base folder (property)", () => {
    fc.assert(
      fc.property(pathLike, anyPath, (folder, path) => {
        let paths: StoragePathResolver;
        try {
          paths = new StoragePathResolver(folder);
        } catch {
          return;
        }
        if (refusal(path) !== undefined) return;
        const location = paths.location(path);
        if (paths.baseFolder !== "") expect(location.startsWith(`${paths.baseFolder}/`)).toBe(true);
        expect(paths.location(paths.key(path))).toBe(location);
        expect(paths.keyFromLocation(location)).toBe(paths.key(path));
      }),
      { numRuns: 3000 },
    );
  });
});
