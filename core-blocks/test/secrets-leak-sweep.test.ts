import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolateKeys } from "./secrets-helpers.js";

const child = fileURLToPath(new URL("./fixtures/secrets-leak-sweep-child.ts", import.meta.url));

/**
 * Every printable form of the canary: text (also lower- and upper-cased), hex (both cases),
 * percent-encoded (as a URL component, a URL and a form), and base64 / base64url at each of the
 * three byte alignments (the stable middle of the encoding, so it is found inside a longer base64
 * string too).
 */
function canaryForms(canary: string): string[] {
  const forms = new Set([
    canary,
    canary.toLowerCase(),
    canary.toUpperCase(),
    encodeURIComponent(canary),
    encodeURI(canary),
    new URLSearchParams({ v: canary }).toString().slice(2),
  ]);
  const bytes = Buffer.from(canary);
  forms.add(bytes.toString("hex"));
  forms.add(bytes.toString("hex").toUpperCase());
  for (let offset = 0; offset < 3; offset += 1) {
    const padded = Buffer.concat([Buffer.alloc(offset, 0x41), bytes]);
    for (const encoding of ["base64", "base64url"] as const) {
      const encoded = padded.toString(encoding);
      const start = Math.ceil((offset * 4) / 3) + 2;
      forms.add(encoded.slice(start, encoded.length - 4));
    }
  }
  return [...forms].filter((form) => form.length >= 16);
}

function findings(haystack: string, forms: string[]): string[] {
  return forms.filter((form) => haystack.includes(form));
}

let environment: ReturnType<typeof isolateKeys>;
beforeAll(() => {
  environment = isolateKeys();
});
afterAll(() => {
  environment.restore();
});

describe("leak sweep", () => {
  it("finds a canary secret in none of the output, errors, debug log or database files", () => {
    // Mixed case, so a lower-cased copy of it (a slug hint) is a different text.
    const canary = `Canary-${randomBytes(16).toString("hex")}-X`;
    const spaced = `${canary} with/space&more`;
    const result = spawnSync(process.execPath, ["--import", "tsx", child, canary], {
      env: {
        ...process.env,
        TESSERA_HOME: environment.home,
        TESSERA_DEBUG: "1",
        TESSERA_ENCRYPTION_KEY: "",
      },
      encoding: "utf8",
      timeout: 120_000,
    });
    const stdout = result.stdout;
    const stderr = result.stderr;
    expect(stdout, stderr).toContain("sweep complete");
    // The sweep did exercise the paths it claims to: masked blocks, errors, debug lines.
    expect(stdout).toContain("********");
    expect(stderr).toContain("tessera:secrets");
    expect(stderr).toContain("upstream refused token ********");
    expect(stderr).toContain("Authorization: Basic ");
    expect(stderr).toContain("slug-hint failed");
    const forms = [...canaryForms(canary), ...canaryForms(spaced)];
    expect(findings(stdout, forms)).toEqual([]);
    expect(findings(stderr, forms)).toEqual([]);

    const files = readdirSync(environment.home).filter((name) => name.includes("tessera.db"));
    expect(files).toContain("tessera.db");
    expect(files).toContain("snapshot.tessera.db-wal");
    expect(files).toContain("snapshot.tessera.db-shm");
    for (const file of files) {
      const bytes = readFileSync(join(environment.home, file));
      const text = bytes.toString("latin1");
      expect(findings(text, forms), file).toEqual([]);
      expect(bytes.includes(Buffer.from(canary)), file).toBe(false);
    }
  }, 150_000);
});
