import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AZURE_SDK_MODULES, ensurePackageBuilt, importWithoutModules } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("./fixtures/save-and-list-blocks.mjs", import.meta.url));

let home: string;
beforeAll(async () => {
  await ensurePackageBuilt(packageDirectory);
  home = await mkdtemp(join(tmpdir(), "tessera-azure-lazy-"));
}, 120_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("lazy Azure SDK loading", () => {
  it("imports @tessera/azure and builds its blocks in a process that may not load the Azure SDK", async () => {
    const outcome = await importWithoutModules({
      specifier: "@tessera/azure",
      forbidden: AZURE_SDK_MODULES,
      cwd: packageDirectory,
      afterImport:
        'new imported.AzureBlobStorageContainer({ containerName: "lazy", credentials: { accountUrl: "https://lazy.blob.core.windows.net" } });',
      env: { TESSERA_HOME: home },
    });
    expect(outcome).toEqual({ status: 0, stderr: "" });
  }, 120_000);

  it("saves, lists and loads Azure blocks without loading any @azure module, and loads storage-blob on the first client and identity only for the machine's identity", async () => {
    const { stdout } = await run(process.execPath, [script], {
      cwd: packageDirectory,
      env: {
        ...process.env,
        TESSERA_HOME: home,
        TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        NODE_OPTIONS: "",
      },
    });
    type Loads = { resolved: string[]; cached: string[] };
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      listed: string[];
      afterConfiguration: Loads;
      afterFirstClient: Loads;
      afterIdentityClient: Loads;
    };
    expect(report.listed.sort()).toEqual(["identity", "prod", "results"]);
    expect(report.afterConfiguration).toEqual({ resolved: [], cached: [] });
    const loaded = (loads: Loads) => [...loads.resolved, ...loads.cached].join("\n");
    // The same probes see the SDK once a method needs it, so the empty lists above are real.
    expect(loaded(report.afterFirstClient)).toContain("@azure/storage-blob");
    expect(loaded(report.afterFirstClient)).not.toContain("@azure/identity");
    expect(loaded(report.afterIdentityClient)).toContain("@azure/identity");
  }, 120_000);
});
