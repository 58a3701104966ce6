import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { secret } from "../src/schema/index.js";
import { getDefaultStore, openSqliteStore } from "../src/store/index.js";
import { createTestHarness, useTestHarness } from "../src/testing/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "..");

describe("createTestHarness", () => {
  const outer = {
    TESSERA_HOME: "/nonexistent/outer-home",
    TESSERA_ENCRYPTION_KEY: "outer-key",
    TESSERA_DATABASE_URL: "postgres://user:outer-canary-pw@db.invalid/tessera",
  };
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const [name, value] of Object.entries(outer)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("isolates home, key and default store, and puts the environment back on cleanup", async () => {
    const harness = await createTestHarness();
    expect(process.env.TESSERA_HOME).toBe(harness.home);
    expect(harness.home.startsWith(join(homedir(), ".tessera"))).toBe(false);
    expect(Buffer.from(process.env.TESSERA_ENCRYPTION_KEY ?? "", "base64").length).toBe(32);
    expect(process.env.TESSERA_ENCRYPTION_KEY).toBe(harness.encryptionKey);
    expect(process.env.TESSERA_DATABASE_URL).toBe(undefined);

    const store = await getDefaultStore();
    expect(store).toBe(harness.store);
    expect(store.location).toBe(join(harness.home, "tessera.db"));
    await store.setMeta("probe", "1");
    expect(existsSync(join(harness.home, "tessera.db"))).toBe(true);

    await harness.cleanup();
    expect(existsSync(harness.home)).toBe(false);
    expect(process.env.TESSERA_HOME).toBe(outer.TESSERA_HOME);
    expect(process.env.TESSERA_ENCRYPTION_KEY).toBe(outer.TESSERA_ENCRYPTION_KEY);
    expect(process.env.TESSERA_DATABASE_URL).toBe(outer.TESSERA_DATABASE_URL);
    // The default store is chosen from the (restored) environment again.
    const reopened = (await getDefaultStore().then(
      () => new Error("the default store opened"),
      (error: unknown) => error,
    )) as Error;
    expect(reopened).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(reopened.message).not.toContain("outer-canary-pw");
    await harness.cleanup();
  });

  it("gives each harness its own key and an empty store", async () => {
    const first = await createTestHarness();
    await first.store.setMeta("probe", "first");
    const firstKey = first.encryptionKey;
    await first.cleanup();
    const second = await createTestHarness();
    expect(second.encryptionKey).not.toBe(firstKey);
    expect(await second.store.getMeta("probe")).toBe(undefined);
    await second.cleanup();
  });

  it("uses and closes a store passed in, and can keep the home for inspection", async () => {
    const harness = await createTestHarness({ keepHome: true });
    const custom = await openSqliteStore({ path: join(harness.home, "custom", "other.db") });
    await harness.cleanup();
    const withStore = await createTestHarness({ store: custom });
    expect(await getDefaultStore()).toBe(custom);
    await withStore.cleanup();
    await expect(custom.getMeta("x")).rejects.toMatchObject({ code: "STORE_CLOSED" });
    expect(existsSync(harness.home)).toBe(true);
    const { rm } = await import("node:fs/promises");
    await rm(harness.home, { recursive: true, force: true });
  });
});

describe("useTestHarness under vitest", () => {
  const harness = useTestHarness({ beforeEach, afterEach });
  const seen: string[] = [];

  it("is active in the test body, with the default store in its home", async () => {
    expect(await getDefaultStore()).toBe(harness.store);
    await harness.store.setMeta("probe", "1");
    seen.push(harness.home);
  });

  it("starts every test with a fresh home and removes the previous one", async () => {
    expect(harness.home).not.toBe(seen[0]);
    expect(existsSync(seen[0]!)).toBe(false);
    expect(await harness.store.getMeta("probe")).toBe(undefined);
  });
});

describe("blocks under the harness", () => {
  const harness = useTestHarness({ beforeEach, afterEach });

  class Webhook extends defineBlock({
    type: "harness-webhook",
    title: "Webhook",
    description: "A URL with a token.",
    schema: z.object({ url: z.string(), token: secret() }),
  }) {}

  it("saves and loads blocks, secrets included, without a store option", async () => {
    await new Webhook({ url: "https://hooks.example.com/x", token: "t0ken" }).save("alerts");
    const loaded = await Webhook.load("alerts");
    expect(loaded.url).toBe("https://hooks.example.com/x");
    expect(await loaded.token.reveal()).toBe("t0ken");
    expect((await harness.store.list()).items.map((item) => item.name)).toEqual(["alerts"]);
    expect(harness.store.location).toBe(join(harness.home, "tessera.db"));
  });
});

describe("useTestHarness outside a test", () => {
  it("explains that the harness is only active inside tests", () => {
    const view = useTestHarness({ beforeEach: () => undefined, afterEach: () => undefined });
    expect(() => view.store).toThrow(/only active inside a test/);
  });
});

describe("useTestHarness under node:test", () => {
  it("runs node:test files with a fresh harness per test", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--test", "--test-reporter=tap", "test/fixtures/harness-node-test.ts"],
      { cwd: packageRoot, env: { ...process.env, OUTER_TESSERA_HOME: process.env.TESSERA_HOME } },
    );
    expect(stdout).toMatch(/# pass 2/);
    expect(stdout).toMatch(/# fail 0/);
  });
});
