import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { IntegrationNotFoundError, InvalidIntegrationError } from "../errors/index.js";
import { resolveExportsTarget, resolveModule, splitPackageSpecifier } from "./resolve-package.js";

const root = mkdtempSync(join(tmpdir(), "tessera-resolve-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writePackage(name: string, packageJson: Record<string, unknown>, files: string[]): string {
  const directory = join(root, "project", "node_modules", name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "package.json"), JSON.stringify({ name, ...packageJson }));
  for (const file of files) {
    mkdirSync(join(directory, file, ".."), { recursive: true });
    writeFileSync(join(directory, file), "export {};\n");
  }
  return directory;
}

describe("resolveModule", () => {
  const importOnly = writePackage(
    "@example/import-only",
    { type: "module", exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } } },
    ["dist/index.js"],
  );
  writePackage("plain-main", { main: "lib/main.js" }, ["lib/main.js"]);
  writePackage("require-only", { exports: { require: "./index.cjs" } }, ["index.cjs"]);
  const nested = join(root, "project", "src", "deep");
  mkdirSync(nested, { recursive: true });
  writeFileSync(join(root, "project", "blocks.mjs"), "export {};\n");

  it("resolves a package that exports only an import condition, from a subfolder of the project", () => {
    const resolved = resolveModule("@example/import-only", nested);
    expect(resolved.file).toBe(join(importOnly, "dist", "index.js"));
    expect(resolved.url).toMatch(/^file:/);
    expect(resolved.packageDirectory).toBe(importOnly);
  });

  it("falls back to main when a package has no exports", () => {
    expect(resolveModule("plain-main", nested).file).toMatch(/plain-main[\\/]lib[\\/]main\.js$/);
  });

  it("says a package is not installed, naming it and where it looked", () => {
    const attempt = () => resolveModule("@tessera/not-installed", nested);
    expect(attempt).toThrow(IntegrationNotFoundError);
    expect(attempt).toThrow(/npm install @tessera\/not-installed/);
    expect(attempt).toThrow(nested);
  });

  it("refuses a package that only exports for require", () => {
    expect(() => resolveModule("require-only", nested)).toThrow(InvalidIntegrationError);
  });

  it("resolves relative file paths from the given folder and reports missing files", () => {
    expect(resolveModule("./blocks.mjs", join(root, "project")).file).toBe(
      join(root, "project", "blocks.mjs"),
    );
    expect(() => resolveModule("./missing.mjs", join(root, "project"))).toThrow(
      /module file "\.\/missing\.mjs" does not exist/,
    );
  });

  it("resolves a package's folder given as a path to the entry point it exports", () => {
    const folder = join(root, "project", "node_modules", "@example", "import-only");
    const resolved = resolveModule(folder, nested);
    expect(resolved.file).toBe(join(importOnly, "dist", "index.js"));
    expect(resolved.packageDirectory).toBe(importOnly);
    expect(resolveModule("./node_modules/plain-main", join(root, "project")).file).toMatch(
      /plain-main[\\/]lib[\\/]main\.js$/,
    );
  });

  it("refuses a folder without a package.json, saying what to pass instead", () => {
    const attempt = () => resolveModule("./src", join(root, "project"));
    expect(attempt).toThrow(InvalidIntegrationError);
    expect(attempt).toThrow(/folder without a package\.json/);
  });
});

describe("resolveExportsTarget", () => {
  it("follows conditions in order, arrays and single-star patterns", () => {
    expect(resolveExportsTarget("./index.js", ".")).toBe("./index.js");
    expect(
      resolveExportsTarget({ ".": { require: "./a.cjs", node: { import: "./a.mjs" } } }, "."),
    ).toBe("./a.mjs");
    expect(resolveExportsTarget({ "./blocks/*": "./dist/blocks/*.js" }, "./blocks/s3")).toBe(
      "./dist/blocks/s3.js",
    );
    expect(resolveExportsTarget({ ".": [{ worker: "./w.js" }, "./fallback.js"] }, ".")).toBe(
      "./fallback.js",
    );
    expect(resolveExportsTarget({ ".": "./index.js" }, "./missing")).toBeUndefined();
  });

  it("never resolves outside the package, whatever the exports field holds", () => {
    const target = fc.oneof(
      fc.string(),
      fc.constantFrom("./ok.js", "../up.js", "./a/../../b.js", "/abs.js", "./node_modules/x.js"),
    );
    const conditions = fc.constantFrom("import", "node", "default", "require", "types", "browser");
    const exportsField = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        target,
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(conditions, tie("value"), { maxKeys: 3 }),
        fc.dictionary(fc.constantFrom(".", "./a", "./*", "./a/*"), tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    const subpath = fc.oneof(fc.constantFrom(".", "./a", "./a/b", "./x"), fc.string());
    fc.assert(
      fc.property(exportsField, subpath, (field, path) => {
        const resolved = resolveExportsTarget(field, path);
        if (resolved === undefined) return;
        expect(resolved.startsWith("./")).toBe(true);
        expect(resolved.split(/[\\/]/).slice(1)).not.toContain("..");
      }),
    );
  });
});

describe("splitPackageSpecifier", () => {
  it("separates scoped and unscoped names from their subpaths", () => {
    expect(splitPackageSpecifier("@tessera/aws")).toEqual({
      packageName: "@tessera/aws",
      subpath: ".",
    });
    expect(splitPackageSpecifier("pkg/sub/path")).toEqual({
      packageName: "pkg",
      subpath: "./sub/path",
    });
    expect(splitPackageSpecifier("")).toBeUndefined();
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        const parts = splitPackageSpecifier(input);
        if (parts) expect(input.startsWith(parts.packageName)).toBe(true);
      }),
    );
  });
});
