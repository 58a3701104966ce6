import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { TesseraError } from "../errors/index.js";
import { forgetSecrets, rememberSecret, SECRET_MASK } from "../secrets/index.js";
import { createOutput } from "./output.js";
import { reportError } from "./report-error.js";

/** An `Output` whose standard error is collected. */
function capturedOutput() {
  const written: string[] = [];
  const sink = { write: (chunk: string) => written.push(chunk) !== 0 };
  const output = createOutput(
    sink as unknown as NodeJS.WritableStream,
    sink as unknown as NodeJS.WritableStream,
  );
  return { output, text: () => written.join("") };
}

afterEach(() => {
  forgetSecrets();
});

describe("reporting errors on the command line", () => {
  const canary = `Report-Canary-${randomBytes(8).toString("hex")}`;
  const basic = Buffer.from(`admin:${canary}`).toString("base64");

  it("scrubs revealed secrets from errors that do not come from Tessera, and from their stacks under TESSERA_DEBUG=1", () => {
    rememberSecret(canary);
    for (const environment of [{}, { TESSERA_DEBUG: "1" }]) {
      const { output, text } = capturedOutput();
      const error = new TypeError(
        `request failed: Authorization: Basic ${basic}, token ${canary.toLowerCase()}`,
      );
      expect(reportError(error, output, environment)).toBe(1);
      expect(text()).toContain("error UNEXPECTED");
      expect(text()).toContain(SECRET_MASK);
      expect(text().toLowerCase()).not.toContain(canary.toLowerCase());
      expect(text()).not.toContain(basic.slice(12, -4));
      if ("TESSERA_DEBUG" in environment) expect(text()).toContain("report-error.test.ts");
    }
  });

  it("scrubs a secret revealed after a Tessera error was made from its message and stack", () => {
    const error = new TesseraError("TEST", `upstream echoed ${canary}`);
    rememberSecret(canary);
    const { output, text } = capturedOutput();
    reportError(error, output, { TESSERA_DEBUG: "1" });
    expect(text()).toContain("error TEST");
    expect(text()).not.toContain(canary);
  });
});
