import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  blockMarkerKey,
  isDocumentLink,
  isKeepMarker,
  isMissingLink,
  isSealedSecret,
  isSecretReferenceMarker,
  redactorKey,
  secretMarkerKey,
} from "../src/protocol/index.js";

const sourceRoot = join(import.meta.dirname, "..", "src");
const protocolFile = join(sourceRoot, "protocol", "index.ts");

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the cross-copy protocol", () => {
  it("imports nothing, so every copy and every layer of core can depend on it", () => {
    const text = readFileSync(protocolFile, "utf8");
    expect(text).not.toMatch(/^\s*import\b/m);
    expect(text).not.toMatch(/\bfrom\s+["']/);
  });

  it("is the only place in core that names a Symbol.for key", () => {
    const elsewhere = sourceFiles(sourceRoot)
      .filter((file) => file !== protocolFile)
      .filter((file) => /Symbol\.for\(\s*["']tessera\./.test(readFileSync(file, "utf8")))
      .map((file) => relative(sourceRoot, file));
    expect(elsewhere).toEqual([]);
  });

  it("is the only place in core that lists the stored marker keys", () => {
    const listing = /\[\s*"\$ref",\s*"\$sealed"/;
    const elsewhere = sourceFiles(sourceRoot)
      .filter((file) => file !== protocolFile && listing.test(readFileSync(file, "utf8")))
      .map((file) => relative(sourceRoot, file));
    expect(elsewhere).toEqual([]);
  });

  it("uses the registry keys every copy of core shares", () => {
    expect(blockMarkerKey).toBe(Symbol.for("tessera.block"));
    expect(secretMarkerKey).toBe(Symbol.for("tessera.secret"));
    expect(redactorKey).toBe(Symbol.for("tessera.redactor"));
  });

  it("recognises each marker only as an object with that one key and a value of its kind", () => {
    expect(isDocumentLink({ $ref: "0b1c" })).toBe(true);
    expect(isDocumentLink({ $ref: 7 })).toBe(false);
    expect(isDocumentLink({ $ref: "0b1c", other: 1 })).toBe(false);
    expect(isDocumentLink([{ $ref: "0b1c" }])).toBe(false);
    expect(isSealedSecret({ $sealed: "AQID" })).toBe(true);
    expect(isSealedSecret({ $sealed: "AQID", $ref: "x" })).toBe(false);
    expect(isSecretReferenceMarker({ $reference: "env:TOKEN" })).toBe(true);
    expect(isSecretReferenceMarker({ $reference: null })).toBe(false);
    expect(isKeepMarker({ $keep: true })).toBe(true);
    expect(isKeepMarker({ $keep: "true" })).toBe(false);
    expect(isMissingLink({ $missing: "0b1c" })).toBe(true);
    expect(isMissingLink({})).toBe(false);
    expect(isMissingLink(null)).toBe(false);
  });

  it("ignores keys a value inherits, as JSON from a store never has them", () => {
    const inherited = Object.create({ $ref: "0b1c" }) as object;
    expect(isDocumentLink(inherited)).toBe(false);
  });
});
