import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSlug as blockParseSlug } from "../block/index.js";
import { InvalidSlugError } from "../errors/index.js";
import { parseSlug } from "./stored-documents.js";

async function outcome(parse: (slug: string) => unknown, slug: string): Promise<unknown> {
  try {
    return { ok: await parse(slug) };
  } catch (error) {
    expect(InvalidSlugError.isInstance(error)).toBe(true);
    return { error: (error as Error).message };
  }
}

describe("the CLI's slug check", () => {
  it("accepts and refuses exactly what the block layer does, with the same message", async () => {
    const part = fc.oneof(
      fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
      fc.string({ maxLength: 12 }),
      fc.constantFrom("A", "a--b", "-a", "a-", "", "x".repeat(129), "é", "a b"),
    );
    const slug = fc.oneof(
      fc.tuple(part, part).map(([type, name]) => `${type}/${name}`),
      fc.string({ maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(slug, async (text) => {
        expect(await outcome(parseSlug, text)).toEqual(await outcome(blockParseSlug, text));
      }),
    );
  });
});
