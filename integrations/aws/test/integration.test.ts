import { coreVersion, isIntegrationManifest, loadBlock } from "@tessera/core";
import { isCoreVersionInRange } from "@tessera/core/provider";
import { createTestHarness } from "@tessera/core/testing";
import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { AwsCredentials, AwsSecret, integration, S3Bucket } from "../src/index.js";

describe("the @tessera/aws integration manifest", () => {
  it("takes its name, version and core range from package.json", () => {
    expect(isIntegrationManifest(integration)).toBe(true);
    expect(integration.name).toBe(packageJson.name);
    expect(integration.version).toBe(packageJson.version);
    expect(integration.coreRange).toBe(packageJson.peerDependencies["@tessera/core"]);
  });

  it("supports the core it is developed against", () => {
    expect(isCoreVersionInRange(coreVersion, integration.coreRange)).toBe(true);
    expect(integration.compatible).toBe(true);
  });

  it("declares its three block types with their capabilities", () => {
    expect(integration.blockTypes).toEqual(["aws-credentials", "s3-bucket", "aws-secret"]);
    expect(S3Bucket.capabilities).toEqual(["read-path", "write-path"]);
    expect(AwsSecret.capabilities).toEqual(["secret-source"]);
    expect(AwsCredentials.capabilities).toEqual([]);
    expect(S3Bucket.definingPackage).toMatchObject({
      name: "@tessera/aws",
      version: packageJson.version,
    });
  });

  it("marks nested secret fields, so a bucket's secret access key is encrypted too", () => {
    expect(S3Bucket.secretFields).toEqual([
      "credentials.secretAccessKey",
      "credentials.sessionToken",
    ]);
    expect(AwsSecret.secretFields).toEqual([
      "credentials.secretAccessKey",
      "credentials.sessionToken",
    ]);
  });

  it("loads a saved bucket by slug, with its nested credentials and folder", async () => {
    const harness = await createTestHarness();
    try {
      await new S3Bucket({
        bucketName: "analytics-results",
        bucketFolder: "/prod//daily/",
        credentials: { region: "eu-west-1" },
      }).save("daily");
      const loaded = await loadBlock("s3-bucket/daily");
      expect(loaded).toBeInstanceOf(S3Bucket);
      if (!(loaded instanceof S3Bucket)) throw new Error("expected an S3Bucket");
      const bucket = loaded;
      expect(bucket.credentials.region).toBe("eu-west-1");
      expect(bucket.objectKey("report.json")).toBe("prod/daily/report.json");
      // A leading "/" does not bypass the bucket folder.
      expect(bucket.objectKey("/report.json")).toBe("prod/daily/report.json");
    } finally {
      await harness.cleanup();
    }
  });

  it("refuses bucket names S3 would refuse and folders that escape the bucket", () => {
    for (const bucketName of ["ab", "Upper", "-start", "end-", "a".repeat(64), "has_underscore"]) {
      expect(() => new S3Bucket({ bucketName })).toThrow(/bucketName/);
    }
    expect(() => new S3Bucket({ bucketName: "fine", bucketFolder: "../up" })).toThrow(
      /bucketFolder/,
    );
  });
});
