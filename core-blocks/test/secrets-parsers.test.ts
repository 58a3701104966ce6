import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TesseraError } from "../src/errors/index.js";
import { parseSecretReference, SecretValue } from "../src/secrets/index.js";
import { parseMasterKeys } from "../src/secrets/master-key-ring.js";

const slugPart = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join("-"));
const variable = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    expect(TesseraError.isInstance(error)).toBe(true);
    return (error as TesseraError).code;
  }
}

describe("secret reference parser (properties)", () => {
  it("parses every well-formed block reference into its type and name", () => {
    fc.assert(
      fc.property(slugPart, slugPart, (type, name) => {
        expect(parseSecretReference(`${type}/${name}`)).toEqual({
          kind: "block",
          type,
          name,
          slug: `${type}/${name}`,
          options: {},
        });
      }),
    );
  });

  it("parses every well-formed version pin into readSecret options", () => {
    const value = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/);
    fc.assert(
      fc.property(slugPart, slugPart, value, value, (type, name, versionId, versionStage) => {
        fc.pre(type !== "secret");
        expect(
          parseSecretReference(
            `${type}/${name}?versionId=${versionId}&versionStage=${versionStage}`,
          ),
        ).toMatchObject({ slug: `${type}/${name}`, options: { versionId, versionStage } });
      }),
    );
  });

  it("parses every well-formed environment reference into its variable", () => {
    fc.assert(
      fc.property(variable, (name) => {
        fc.pre(!/^TESSERA_/i.test(name));
        expect(parseSecretReference(`env:${name}`)).toEqual({
          kind: "environment",
          variable: name,
        });
      }),
    );
  });

  it("either parses or refuses with SECRET_REFERENCE_UNRESOLVED, and never lets a path escape", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        let parsed: ReturnType<typeof parseSecretReference> | undefined;
        const code = codeOf(() => {
          parsed = parseSecretReference(text);
        });
        if (code !== undefined) {
          expect(code).toBe("SECRET_REFERENCE_UNRESOLVED");
          expect(() => SecretValue.reference(text)).toThrow();
          return;
        }
        if (parsed?.kind === "block") {
          expect(parsed.slug).toBe(`${parsed.type}/${parsed.name}`);
          expect(parsed.slug).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
          expect(text.startsWith(parsed.slug)).toBe(true);
        } else {
          expect(parsed?.kind).toBe("environment");
          expect(text.startsWith("env:")).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("master key parser (properties)", () => {
  it("accepts exactly the base64 texts of 32 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
        const text = Buffer.from(bytes).toString("base64");
        const code = codeOf(() => parseMasterKeys([text], "TESSERA_ENCRYPTION_KEY"));
        expect(code).toBe(bytes.length === 32 ? undefined : "INVALID_KEY");
      }),
    );
  });

  it("refuses any other text with INVALID_KEY and never echoes it", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16, maxLength: 60 }), (text) => {
        try {
          const keys = parseMasterKeys([text], "TESSERA_ENCRYPTION_KEY");
          expect(keys.every((key) => key.key.length === 32)).toBe(true);
        } catch (error) {
          expect((error as TesseraError).code).toBe("INVALID_KEY");
          if (text.trim().length >= 16) expect((error as Error).message).not.toContain(text.trim());
        }
      }),
      { numRuns: 1000 },
    );
  });
});
