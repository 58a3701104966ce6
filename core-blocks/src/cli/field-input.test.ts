import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors/index.js";
import type { CliContext } from "./context.js";
import { maskedSecretPaths, readFieldsFile } from "./field-input.js";

/** A context whose standard input holds `text`. */
function contextWithInput(text: string): CliContext {
  return {
    output: undefined as never,
    environment: {},
    stdin: Readable.from([Buffer.from(text)]) as unknown as NodeJS.ReadStream,
    store: () => Promise.reject(new Error("no store in this test")),
  };
}

const fieldName = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);

describe("maskedSecretPaths", () => {
  it("finds the mask text at every secret path, wildcards included, and nowhere else", () => {
    const values = {
      user: "********",
      password: "********",
      credentials: { password: "********", user: "x" },
      headers: { authorization: "********", accept: "json" },
      tokens: ["********", "real"],
    };
    expect(
      maskedSecretPaths(values, ["password", "credentials.password", "headers.*", "tokens.*"]),
    ).toEqual(["password", "credentials.password", "headers.authorization", "tokens.0"]);
  });

  it("does not treat keep markers, references or other text as the mask", () => {
    expect(
      maskedSecretPaths(
        { a: { $keep: true }, b: { $reference: "secret/db" }, c: "*******", d: " ******** " },
        ["a", "b", "c", "d"],
      ),
    ).toEqual([]);
  });

  it("reports a secret path exactly when the mask text is placed there (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fieldName, { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (names, secret, masked) => {
          const values: Record<string, unknown> = {};
          const secretFields: string[] = [];
          const expected: string[] = [];
          names.forEach((name, index) => {
            values[name] = { inner: masked[index] ? "********" : `value-${index}` };
            if (secret[index]) secretFields.push(`${name}.inner`);
            if (secret[index] && masked[index]) expected.push(`${name}.inner`);
          });
          expect(maskedSecretPaths(values, secretFields)).toEqual(expected);
        },
      ),
    );
  });
});

describe("readFieldsFile", () => {
  const document = {
    slug: "db-credentials/main",
    id: "4a0b",
    type: "db-credentials",
    name: "main",
    revision: 3,
    data: { user: "u", password: { $keep: true } },
  };

  it("refuses a YAML alias inside its own anchor with INVALID_INPUT instead of recursing", async () => {
    for (const text of [
      "host: &a [*a]\n",
      "options: &o\n  nested: *o\n",
      "&x { a: { b: *x } }\n",
    ]) {
      const error = await readFieldsFile(contextWithInput(text), "-", "db-credentials/main").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(InvalidInputError.isInstance(error), text).toBe(true);
      expect((error as Error).message).toContain("alias");
    }
  });

  it("still reads a YAML alias that repeats another anchor", async () => {
    const read = await readFieldsFile(
      contextWithInput("base: &b { timeout: 5 }\ncopy: *b\n"),
      "-",
      "db-credentials/main",
    );
    expect(read.values).toEqual({ base: { timeout: 5 }, copy: { timeout: 5 } });
  });

  it("uses the data of an inspect document and expects its revision", async () => {
    const read = await readFieldsFile(
      contextWithInput(JSON.stringify(document)),
      "-",
      "db-credentials/main",
    );
    expect(read).toEqual({ values: document.data, expectedRevision: 3 });
  });

  it("ignores the revision of another block's document, keeping its fields", async () => {
    const read = await readFieldsFile(
      contextWithInput(JSON.stringify(document)),
      "-",
      "db-credentials/copy",
    );
    expect(read).toEqual({ values: document.data, expectedRevision: undefined });
  });

  it("takes a bare object of fields as it is, even one with a data field", async () => {
    const fields = { data: { rows: 1 }, revision: 2 };
    const read = await readFieldsFile(contextWithInput(JSON.stringify(fields)), "-", "a/b");
    expect(read).toEqual({ values: fields });
  });

  it("refuses a revision that is not a revision number", async () => {
    const broken = { ...document, revision: "3" };
    await expect(
      readFieldsFile(contextWithInput(JSON.stringify(broken)), "-", "db-credentials/main"),
    ).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
  });
});
