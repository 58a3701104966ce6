import { defineBlock, SecretValue, secret, z } from "@tessera/core";
import { ClientCache, fingerprint } from "@tessera/core/provider";
import { describe, expect, it } from "vitest";

const apiKey = "sk-live-fingerprint-test-9f8e7d6c5b4a";

class Connection extends defineBlock({
  type: "fingerprint-test-connection",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(443),
    apiKey: secret().optional(),
    options: z.object({ retries: z.number().optional() }).prefault({}),
  }),
}) {}

class Pipeline extends defineBlock({
  type: "fingerprint-test-pipeline",
  schema: z.object({ label: z.string(), connection: Connection.field() }),
}) {}

/** A stand-in SDK client class: the cache keys clients by class and configuration. */
class FakeSdkClient {
  constructor(readonly host: string) {}
}

describe("fingerprint", () => {
  it("is equal for equal configurations, whatever the instance, defaults and how a secret is given", async () => {
    const first = await fingerprint(new Connection({ host: "db.example", apiKey }));
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprint(new Connection({ host: "db.example", port: 443, apiKey }))).toBe(
      first,
    );
    expect(
      await fingerprint(new Connection({ host: "db.example", apiKey: SecretValue.from(apiKey) })),
    ).toBe(first);
  });

  it("changes with any field, nested option, nested block field or secret", async () => {
    const base = { host: "db.example", apiKey, options: { retries: 1 } };
    const fingerprints = await Promise.all([
      fingerprint(new Connection(base)),
      fingerprint(new Connection({ ...base, port: 8443 })),
      fingerprint(new Connection({ ...base, options: { retries: 2 } })),
      fingerprint(new Connection({ ...base, apiKey: `${apiKey}x` })),
      fingerprint(new Connection({ ...base, apiKey: undefined })),
    ]);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    const pipeline = (key: string) =>
      fingerprint(new Pipeline({ label: "p", connection: { host: "h", apiKey: key } }));
    expect(await pipeline("one")).not.toBe(await pipeline("two"));
  });

  it("takes in a field added to a schema without anyone listing it", async () => {
    class Extended extends defineBlock({
      type: "fingerprint-test-extended-connection",
      schema: Connection.schema.extend({ region: z.string().optional() }),
    }) {}
    const west = await fingerprint(new Extended({ host: "db.example", region: "west" }));
    const east = await fingerprint(new Extended({ host: "db.example", region: "east" }));
    expect(west).not.toBe(east);
  });

  it("reveals a secret only into a keyed hash: the fingerprint input never holds it in clear", async () => {
    const withSecret = await fingerprint(new Connection({ host: "h", apiKey }));
    // The same configuration in another process (another HMAC key) would differ; here, a plain
    // SHA-256 of the clear secret is not what enters the fingerprint.
    const { createHash } = await import("node:crypto");
    const clearDigest = createHash("sha256").update(apiKey).digest("hex");
    expect(withSecret).not.toContain(clearDigest);
    expect(withSecret).not.toContain(apiKey);
  });
});

describe("ClientCache", () => {
  it("shares one client between equal configurations and makes another for a different one", async () => {
    const cache = new ClientCache();
    let made = 0;
    const clientOf = (connection: Connection) =>
      cache.get(connection, FakeSdkClient, () => {
        made += 1;
        return new FakeSdkClient(connection.host);
      });
    const first = await clientOf(new Connection({ host: "a", apiKey }));
    expect(await clientOf(new Connection({ host: "a", apiKey: SecretValue.from(apiKey) }))).toBe(
      first,
    );
    expect(await clientOf(new Connection({ host: "a", apiKey: "other" }))).not.toBe(first);
    expect(made).toBe(2);
  });

  it("keeps at most maxEntries clients per class, dropping the least recently used", async () => {
    const cache = new ClientCache({ maxEntries: 2 });
    const make = (host: string) => () => new FakeSdkClient(host);
    const a = await cache.get(new Connection({ host: "a" }), FakeSdkClient, make("a"));
    await cache.get(new Connection({ host: "b" }), FakeSdkClient, make("b"));
    // Using `a` again makes `b` the least recently used.
    expect(await cache.get(new Connection({ host: "a" }), FakeSdkClient, make("a"))).toBe(a);
    await cache.get(new Connection({ host: "c" }), FakeSdkClient, make("c"));
    expect(cache.size(FakeSdkClient)).toBe(2);
    expect(await cache.get(new Connection({ host: "a" }), FakeSdkClient, make("a"))).toBe(a);
    const b = await cache.get(new Connection({ host: "b" }), FakeSdkClient, make("b"));
    expect(b.host).toBe("b");
  });

  it("forgets a client whose creation failed, so the next call tries again", async () => {
    const cache = new ClientCache();
    const connection = new Connection({ host: "flaky" });
    await expect(
      cache.get(connection, FakeSdkClient, () => {
        throw new Error("no network");
      }),
    ).rejects.toThrow("no network");
    const client = await cache.get(connection, FakeSdkClient, () => new FakeSdkClient("flaky"));
    expect(client.host).toBe("flaky");
  });
});
