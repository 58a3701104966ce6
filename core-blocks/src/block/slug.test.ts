import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidSlugError } from "../errors/index.js";
import { assertSlugPart, formatSlug, isValidSlugPart, parseSlug } from "./slug.js";

function failure(run: () => unknown): InvalidSlugError {
  try {
    run();
  } catch (error) {
    if (InvalidSlugError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected INVALID_SLUG");
}

describe("slugs", () => {
  it("accepts lower-case ASCII letters, digits and single hyphens, 1 to 128 long", () => {
    for (const name of ["a", "prod", "prod-results", "s3", "a1-b2-c3", "x".repeat(128)]) {
      expect(assertSlugPart(name)).toBe(name);
    }
    expect(parseSlug("s3-bucket/results")).toEqual({ type: "s3-bucket", name: "results" });
  });

  it("refuses upper case, suggesting the lower-case form", () => {
    const error = failure(() => assertSlugPart("Prod"));
    expect(error.code).toBe("INVALID_SLUG");
    expect(error.message).toContain('use "prod"');
  });

  it("refuses paths, dots, empty, too long, NUL, homoglyphs and stray hyphens", () => {
    const cases = [
      "../x",
      "a/b",
      ".",
      "",
      "x".repeat(129),
      "a\u0000b",
      "рrod",
      "prod\u200b",
      "-a",
      "a-",
      "a--b",
      "a b",
    ];
    for (const input of cases) {
      const error = failure(() => assertSlugPart(input));
      expect(error.message).toContain("Invalid name");
      expect(error.message).not.toContain("\u0000");
    }
    expect(failure(() => assertSlugPart("x".repeat(300))).message).toContain("300 characters");
  });

  it("refuses slugs without exactly one slash", () => {
    expect(failure(() => parseSlug("results")).message).toContain('"<type>/<name>"');
    expect(failure(() => parseSlug("a/b/c")).code).toBe("INVALID_SLUG");
  });

  it("never crashes on random input and accepts only what the rule allows", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9-]{0,12}$/)), (input) => {
        let accepted = false;
        try {
          assertSlugPart(input);
          accepted = true;
        } catch (error) {
          expect(InvalidSlugError.isInstance(error)).toBe(true);
        }
        expect(accepted).toBe(isValidSlugPart(input));
        if (accepted) expect(input).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      }),
      { numRuns: 500 },
    );
  });

  it("formatSlug joins the parts parseSlug splits", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
        fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
        (type, name) => {
          fc.pre(type.length <= 128 && name.length <= 128);
          expect(parseSlug(formatSlug(type, name))).toEqual({ type, name });
        },
      ),
    );
  });

  it("is the only place in core that joins a type and a name into a slug", () => {
    const sourceRoot = join(import.meta.dirname, "..");
    const files = (folder: string): string[] =>
      readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) return files(path);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
      });
    const handBuilt = /`\$\{[^{}`]*[tT]ype[^{}`]*\}\/\$\{[^{}`]*\}`/;
    const found = files(sourceRoot)
      .filter((file) => !file.endsWith(join("block", "slug.ts")))
      .filter((file) => handBuilt.test(readFileSync(file, "utf8")))
      .map((file) => relative(sourceRoot, file));
    expect(found).toEqual([]);
  });
});
