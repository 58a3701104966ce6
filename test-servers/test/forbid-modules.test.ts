import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AWS_SDK_MODULES, importWithoutModules } from "../src/index.js";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

describe("importWithoutModules", () => {
  it("fails a process that imports a forbidden module, naming what it imported", async () => {
    const outcome = await importWithoutModules({
      specifier: "@aws-sdk/client-secrets-manager",
      forbidden: AWS_SDK_MODULES,
      cwd: packageDirectory,
    });
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain(
      "This process must not load the AWS SDK, but it imported @aws-sdk/client-secrets-manager.",
    );
  });

  it("fails when code run after the import loads a forbidden module", async () => {
    const outcome = await importWithoutModules({
      specifier: "node:path",
      forbidden: { description: "a test double", prefixes: ["@aws-sdk/client-"] },
      cwd: packageDirectory,
      afterImport: 'await import("@aws-sdk/client-secrets-manager");',
    });
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain("must not load a test double");
  });

  it("lets a process that loads nothing forbidden exit cleanly", async () => {
    const outcome = await importWithoutModules({
      specifier: "node:path",
      forbidden: AWS_SDK_MODULES,
      cwd: packageDirectory,
      afterImport: 'if (typeof imported.join !== "function") process.exit(3);',
    });
    expect(outcome).toEqual({ status: 0, stderr: "" });
  });
});
