import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../../block/index.js";
import { secret } from "../../schema/index.js";
import { createMemoryStore } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { createOutput } from "../output.js";
import { diffCommand } from "./block-diff.js";

class KeyRing extends defineBlock({
  type: "cli-diff-key-ring",
  schema: z.object({
    owner: z.string(),
    keys: z.array(secret()),
    headers: z.record(z.string(), secret()),
  }),
}) {}

class Login extends defineBlock({
  type: "cli-diff-login",
  schema: z.object({ user: z.string(), password: secret() }),
}) {}

const home = mkdtempSync(join(tmpdir(), "tessera-cli-diff-"));
const saved = { home: process.env.TESSERA_HOME, key: process.env.TESSERA_ENCRYPTION_KEY };

beforeAll(() => {
  process.env.TESSERA_HOME = home;
  process.env.TESSERA_ENCRYPTION_KEY = randomBytes(32).toString("base64");
});

afterAll(() => {
  process.env.TESSERA_HOME = saved.home;
  process.env.TESSERA_ENCRYPTION_KEY = saved.key;
  rmSync(home, { recursive: true, force: true });
});

function capture(): { context: CliContext; text: () => string } {
  let text = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const store = createMemoryStore();
  const context: CliContext = {
    output: createOutput(sink, sink),
    store: () => Promise.resolve(store),
    environment: process.env,
    stdin: process.stdin,
  };
  return { context, text: () => text };
}

describe("block diff", () => {
  it("says which secrets changed, in arrays and records too, and prints none of them", async () => {
    const { context, text } = capture();
    const store = await context.store();
    await new KeyRing({
      owner: "a",
      keys: ["diff-canary-one", "diff-canary-two"],
      headers: { auth: "diff-canary-auth" },
    }).save("ring", { store });
    const loaded = await KeyRing.load("ring", { store });
    loaded.owner = "b";
    loaded.keys = [loaded.keys[0]!];
    await loaded.save("ring", { store, expectedRevision: 1 });

    await diffCommand(context, "cli-diff-key-ring/ring", 1, 2, { json: true });
    const first = JSON.parse(text()) as { changes: Array<Record<string, unknown>> };
    expect(first.changes).toEqual([
      { path: "headers.auth", kind: "unchanged", secret: true },
      { path: "keys.0", kind: "unchanged", secret: true },
      { path: "keys.1", kind: "removed", secret: true },
      { path: "owner", kind: "changed", secret: false, before: "a", after: "b" },
    ]);

    const { context: human, text: humanText } = capture();
    const humanStore = await human.store();
    await new KeyRing({ owner: "x", keys: ["diff-canary-one"], headers: {} }).save("ring", {
      store: humanStore,
    });
    const next = await KeyRing.load("ring", { store: humanStore });
    (next as { keys: unknown }).keys = ["diff-canary-changed"];
    await next.save("ring", { store: humanStore, expectedRevision: 1 });
    await diffCommand(human, "cli-diff-key-ring/ring", 1, 2, {});
    expect(humanText()).toContain("keys.0: secret changed");
    const printed = `${text()}${humanText()}`;
    expect(printed).not.toContain("diff-canary");
    expect(printed).not.toContain("\u0000");
  });

  it("reports a secret field that holds a reference as a secret, not as plain text", async () => {
    const { context, text } = capture();
    const store = await context.store();
    await new Login({ user: "u", password: { $reference: "env:FIRST_PASSWORD" } }).save("main", {
      store,
    });
    const loaded = await Login.load("main", { store });
    (loaded as { password: unknown }).password = { $reference: "env:SECOND_PASSWORD" };
    await loaded.save("main", { store, expectedRevision: 1 });
    (loaded as { password: unknown }).password = "now-a-value";
    await loaded.save("main", { store, expectedRevision: 2 });

    await diffCommand(context, "cli-diff-login/main", 1, 2, { json: true });
    await diffCommand(context, "cli-diff-login/main", 2, 3, { json: true });
    const [referenceChange, valueChange] = text()
      .trim()
      .split(/\n(?=\{)/)
      .map((json) => JSON.parse(json) as { changes: unknown[] });
    expect(referenceChange!.changes).toEqual([{ path: "password", kind: "changed", secret: true }]);
    expect(valueChange!.changes).toEqual([{ path: "password", kind: "changed", secret: true }]);
    expect(text()).not.toContain("now-a-value");
  });
});
