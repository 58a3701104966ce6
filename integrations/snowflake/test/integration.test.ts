import { coreVersion, isIntegrationManifest } from "@tessera/core";
import { isCoreVersionInRange } from "@tessera/core/provider";
import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { integration, SnowflakeCredentials } from "../src/index.js";

describe("the @tessera/snowflake integration manifest", () => {
  it("takes its name, version and core range from package.json", () => {
    expect(isIntegrationManifest(integration)).toBe(true);
    expect(integration.name).toBe(packageJson.name);
    expect(integration.version).toBe(packageJson.version);
    expect(integration.coreRange).toBe(packageJson.peerDependencies["@tessera/core"]);
    expect(isCoreVersionInRange(coreVersion, integration.coreRange)).toBe(true);
  });

  it("requires snowflake-sdk 3.1 or later, which reads the passphrase of an inline key", () => {
    expect(packageJson.dependencies["snowflake-sdk"]).toMatch(/^\^3\.(?:[1-9]|\d{2,})\./);
  });

  it("declares the credentials' secrets, so they are encrypted at rest", () => {
    expect(SnowflakeCredentials.secretFields).toEqual([
      "password",
      "privateKey",
      "privateKeyPassphrase",
      "token",
    ]);
  });
});
