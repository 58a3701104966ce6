import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ensurePackageBuilt,
  type ForbiddenModules,
  importWithoutModules,
} from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** The Google Cloud client libraries and what they stand on. */
const GOOGLE_CLOUD_MODULES: ForbiddenModules = {
  description: "the Google Cloud client libraries",
  prefixes: ["@google-cloud/", "google-gax", "google-auth-library", "gaxios", "protobufjs"],
};

let home: string;
beforeAll(async () => {
  await ensurePackageBuilt(packageDirectory);
  home = await mkdtemp(join(tmpdir(), "tessera-gcp-lazy-"));
}, 120_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function importGcp(afterImport: string) {
  return importWithoutModules({
    specifier: "@tessera/gcp",
    forbidden: GOOGLE_CLOUD_MODULES,
    cwd: packageDirectory,
    afterImport,
    env: { TESSERA_HOME: home, TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64") },
  });
}

describe("lazy Google Cloud SDK loading", () => {
  it("imports @tessera/gcp, saves, lists and loads its blocks (a GcpSecret too) in a process that may not load any Google Cloud module", async () => {
    const outcome = await importGcp(`
      const credentials = new imported.GcpCredentials({
        serviceAccountFile: "/nowhere/key.json",
        project: "lazy-project",
      });
      await credentials.save("lazy");
      const listed = (await imported.GcpCredentials.list()).items.map((item) => item.name);
      if (listed.join() !== "lazy") throw new Error("listed " + listed.join());
      const loaded = await imported.GcpCredentials.load("lazy");
      if (loaded.project !== "lazy-project") throw new Error("loaded " + loaded.project);
      await new imported.GcpSecret({ secretName: "db-password", credentials }).save("lazy-secret");
      const secret = await imported.GcpSecret.load("lazy-secret");
      if (secret.secretName !== "db-password") throw new Error("loaded " + secret.secretName);
      if ((await secret.resourceName()) !== "projects/lazy-project/secrets/db-password") {
        throw new Error("resource " + (await secret.resourceName()));
      }
    `);
    expect(outcome).toEqual({ status: 0, stderr: "" });
  }, 120_000);

  it("loads the client library on the first client, so the probe above is real", async () => {
    const outcome = await importGcp(
      "await new imported.GcpCredentials({ project: 'lazy-project' }).getStorage();",
    );
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain("@google-cloud/storage");
  }, 120_000);

  it("loads the Secret Manager client library on a GcpSecret's first read", async () => {
    const outcome = await importGcp(
      "await new imported.GcpSecret({ secretName: 'x', project: 'lazy-project' }).getClient();",
    );
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain("@google-cloud/secret-manager");
  }, 120_000);
});
