import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import type { TesseraError } from "../src/errors/index.js";
import type { JsonValue } from "../src/schema/index.js";
import { Secret } from "../src/secret-block/index.js";
import { clearSecretReferenceCache, SecretValue } from "../src/secrets/index.js";
import type { BlockStore } from "../src/store/index.js";
import { useKeyedStore } from "./secrets-helpers.js";

/** A secret source whose reads wait until the test lets them go. */
const gates: Array<() => void> = [];
class SlowSource extends defineBlock({
  type: "test-slow-source",
  title: "Slow source",
  capabilities: ["secret-source"],
  schema: z.object({ label: z.string() }),
}) {
  async readSecret(): Promise<JsonValue> {
    await new Promise<void>((resolve) => gates.push(resolve));
    return `slow-${this.label}`;
  }
}

let store: BlockStore;
useKeyedStore({ environmentKey: true }, (keyed) => {
  store = keyed.store;
});

/** Settles within `ms` or fails the test, so a hang shows as a failure instead of a timeout. */
async function within<T>(promise: Promise<T>, ms = 5_000): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    const [settled] = await Promise.race([Promise.allSettled([promise]), timeout]);
    return settled!;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `secret/a` → `secret/b` → `secret/a`, built the way a store can come to hold one: `b` is deleted
 * with force while `a` references it, then saved again pointing back at `a`.
 */
async function saveCycle(): Promise<void> {
  await new Secret({ value: "plain" }).save("b", { store });
  await new Secret({ value: { $reference: "secret/b" } }).save("a", { store });
  await Secret.delete("b", { store, force: true });
  await new Secret({ value: { $reference: "secret/a" } }).save("b", { store });
  clearSecretReferenceCache();
}

function cycleError(result: PromiseSettledResult<unknown>): TesseraError {
  expect(result.status).toBe("rejected");
  const error = (result as PromiseRejectedResult).reason as TesseraError;
  expect(error.code).toBe("SECRET_REFERENCE_UNRESOLVED");
  expect(error.message).toMatch(/leads back to itself/);
  return error;
}

describe("reference cycles under concurrency", () => {
  it("fails both reveals of two secrets that reference each other when they run at the same time", async () => {
    await saveCycle();
    for (let round = 0; round < 20; round++) {
      clearSecretReferenceCache();
      const reveals = [
        SecretValue.reference("secret/a", { store }).reveal(),
        SecretValue.reference("secret/b", { store }).reveal(),
        SecretValue.reference("secret/a", { store }).reveal(),
      ];
      const settled = await Promise.all(reveals.map((reveal) => within(reveal)));
      for (const result of settled) cycleError(result);
    }
  });

  it("fails a cycle however the two reveals interleave, including one started while the other waits", async () => {
    await saveCycle();
    for (const delayMs of [0, 1, 2, 5]) {
      clearSecretReferenceCache();
      const first = within(SecretValue.reference("secret/a", { store }).reveal());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const second = within(SecretValue.reference("secret/b", { store }).reveal());
      cycleError(await first);
      cycleError(await second);
    }
  });

  it("completes a later reveal once the cycle is broken, with nothing left pending in the cache", async () => {
    await saveCycle();
    const settled = await Promise.all([
      within(SecretValue.reference("secret/a", { store }).reveal()),
      within(SecretValue.reference("secret/b", { store }).reveal()),
    ]);
    for (const result of settled) cycleError(result);
    await new Secret({ value: "broken-cycle" }).save("b", { store, overwrite: true });
    const later = await within(SecretValue.reference("secret/a", { store }).reveal());
    expect(later).toEqual({ status: "fulfilled", value: "broken-cycle" });
  });

  it("shares one read among concurrent reveals of the same source and serves later reveals from it", async () => {
    await new SlowSource({ label: "one" }).save("one", { store });
    const reveals = [1, 2, 3].map(() =>
      within(SecretValue.reference("test-slow-source/one", { store }).reveal()),
    );
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gates).toHaveLength(1);
    gates.shift()!();
    for (const reveal of reveals) expect(await reveal).toMatchObject({ value: "slow-one" });
    const cached = await within(SecretValue.reference("test-slow-source/one", { store }).reveal());
    expect(cached).toEqual({ status: "fulfilled", value: "slow-one" });
    expect(gates).toHaveLength(0);
  });

  it("does not let a read that never finishes hold up a reveal through another secret", async () => {
    await new SlowSource({ label: "stuck" }).save("stuck", { store });
    await new Secret({ value: { $reference: "test-slow-source/stuck" } }).save("via", {
      store,
    });
    const stuck = within(SecretValue.reference("test-slow-source/stuck", { store }).reveal());
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const through = within(SecretValue.reference("secret/via", { store }).reveal());
    while (gates.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    gates.pop()!();
    expect(await through).toEqual({ status: "fulfilled", value: "slow-stuck" });
    gates.shift()!();
    expect(await stuck).toEqual({ status: "fulfilled", value: "slow-stuck" });
  });
});
