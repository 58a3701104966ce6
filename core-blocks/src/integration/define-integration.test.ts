import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { IncompatibleIntegrationError, InvalidIntegrationError } from "../errors/index.js";
import { coreVersion } from "./core-version.js";
import { defineIntegration } from "./define-integration.js";
import { isIntegrationManifest } from "./integration-manifest.js";
import { listIntegrations } from "./loaded-integrations.js";

let stderr: string[];

beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("defineIntegration", () => {
  it("reads the core version from core's package.json", () => {
    expect(coreVersion).toBe(packageJson.version);
  });

  it("returns a frozen manifest and lists the integration as compatible", () => {
    const manifest = defineIntegration({
      name: "@example/compatible",
      version: "1.2.3",
      coreRange: `^${coreVersion}`,
      blocks: [],
    });
    expect(isIntegrationManifest(manifest)).toBe(true);
    expect(Object.isFrozen(manifest)).toBe(true);
    expect(manifest).toMatchObject({ name: "@example/compatible", compatible: true });
    expect(listIntegrations()).toContainEqual(
      expect.objectContaining({
        name: "@example/compatible",
        version: "1.2.3",
        coreRange: `^${coreVersion}`,
        coreVersion,
        compatible: true,
        sameCore: true,
      }),
    );
    expect(stderr).toEqual([]);
  });

  it("refuses an integration whose core range excludes the installed core, saying what to install", () => {
    const attempt = () =>
      defineIntegration({
        name: "@example/too-new",
        version: "3.0.0",
        coreRange: "^99.0.0",
        blocks: [],
      });
    expect(attempt).toThrow(IncompatibleIntegrationError);
    try {
      attempt();
    } catch (error) {
      expect(IncompatibleIntegrationError.isInstance(error)).toBe(true);
      const incompatible = error as IncompatibleIntegrationError;
      expect(incompatible.code).toBe("INCOMPATIBLE_INTEGRATION");
      expect(incompatible).toMatchObject({
        integrationName: "@example/too-new",
        integrationVersion: "3.0.0",
        requiredRange: "^99.0.0",
        coreVersion,
      });
      expect(incompatible.message).toContain(
        `@example/too-new@3.0.0 supports @tessera/core "^99.0.0"`,
      );
      expect(incompatible.message).toContain(`@tessera/core ${coreVersion} is installed`);
      expect(incompatible.message).toContain('npm install @tessera/core@"^99.0.0"');
      expect(incompatible.message).toContain(
        `a version of @example/too-new that supports @tessera/core ${coreVersion}`,
      );
    }
  });

  it("only warns, with the same explanation, when TESSERA_SKIP_COMPAT_CHECK=1", () => {
    vi.stubEnv("TESSERA_SKIP_COMPAT_CHECK", "1");
    const manifest = defineIntegration({
      name: "@example/skipped",
      version: "3.0.0",
      coreRange: ">=99",
      blocks: [],
    });
    expect(manifest.compatible).toBe(false);
    const warning = stderr.join("");
    expect(warning).toContain("INCOMPATIBLE_INTEGRATION");
    expect(warning).toContain(`@example/skipped@3.0.0 supports @tessera/core ">=99"`);
    expect(warning).toContain('npm install @tessera/core@">=99"');
    expect(warning).toContain("TESSERA_SKIP_COMPAT_CHECK=1 is set");
    expect(listIntegrations()).toContainEqual(
      expect.objectContaining({ name: "@example/skipped", compatible: false }),
    );
  });

  it("warns when two versions of the same integration are loaded, keeping the later one", () => {
    for (const version of ["1.0.0", "1.1.0"]) {
      defineIntegration({
        name: "@example/loaded-twice",
        version,
        coreRange: `^${coreVersion}`,
        blocks: [],
      });
    }
    expect(stderr.join("")).toContain(
      "@example/loaded-twice is loaded twice, as 1.0.0 and 1.1.0; block types now come from 1.1.0",
    );
    expect(listIntegrations().filter((entry) => entry.name === "@example/loaded-twice")).toEqual([
      expect.objectContaining({ version: "1.1.0" }),
    ]);
  });

  it("accepts pre-releases of core inside the range", () => {
    expect(() =>
      defineIntegration({
        name: "@example/prerelease-range",
        version: "1.0.0",
        coreRange: `>=0.0.0-0`,
        blocks: [],
      }),
    ).not.toThrow();
  });

  it("refuses a malformed name, version or range with the field that is wrong", () => {
    expect(() =>
      defineIntegration({ name: "Not A Name", version: "1.0.0", coreRange: "^1.0.0", blocks: [] }),
    ).toThrow(/name must be an npm package name/);
    expect(() =>
      defineIntegration({ name: "@example/x", version: "one", coreRange: "^1.0.0", blocks: [] }),
    ).toThrow(/version must be a semver version/);
    expect(() =>
      defineIntegration({ name: "@example/x", version: "1.0.0", coreRange: "soon", blocks: [] }),
    ).toThrow(InvalidIntegrationError);
    expect(() =>
      defineIntegration({
        name: "@example/x",
        version: "1.0.0",
        coreRange: "^1.0.0",
        blocks: [{} as never],
      }),
    ).toThrow(/blocks.0 must be a block class/);
  });
});
