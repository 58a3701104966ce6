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
});
