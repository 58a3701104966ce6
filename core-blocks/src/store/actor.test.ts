import { userInfo } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineBlock } from "../block/index.js";
import { InvalidInputError } from "../errors/index.js";
import { checkActor, localActor } from "./actor.js";
import { createMemoryStore } from "./memory/index.js";

class Endpoint extends defineBlock({
  type: "test-actor-endpoint",
  title: "Endpoint",
  schema: z.object({ url: z.string() }),
}) {}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the actor of local writes", () => {
  it("is TESSERA_ACTOR when set, else user:<the operating-system user>", () => {
    expect(localActor({ TESSERA_ACTOR: "user:alice" })).toBe("user:alice");
    expect(localActor({ TESSERA_ACTOR: "  ci:nightly  " })).toBe("ci:nightly");
    expect(localActor({})).toBe(`user:${userInfo().username}`);
    expect(localActor({ TESSERA_ACTOR: "" })).toBe(`user:${userInfo().username}`);
  });

  it("refuses a TESSERA_ACTOR longer than 200 characters with INVALID_INPUT naming the variable", () => {
    const error = (() => {
      try {
        localActor({ TESSERA_ACTOR: "x".repeat(201) });
      } catch (caught) {
        return caught;
      }
    })();
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).subject).toBe("TESSERA_ACTOR");
    expect(localActor({ TESSERA_ACTOR: "x".repeat(200) })).toHaveLength(200);
  });

  it("accepts no actor and 1 to 200 characters, and refuses an empty or longer one", () => {
    expect(() => checkActor(undefined)).not.toThrow();
    expect(() => checkActor("a")).not.toThrow();
    expect(() => checkActor("a".repeat(200))).not.toThrow();
    for (const refused of ["", "a".repeat(201)]) {
      expect(() => checkActor(refused)).toThrow(
        expect.objectContaining({ code: "INVALID_INPUT", subject: "actor" }),
      );
    }
  });

  it("is recorded by a block's save, rollback and rename", async () => {
    const store = createMemoryStore();
    vi.stubEnv("TESSERA_ACTOR", "user:alice");
    await new Endpoint({ url: "https://one.example" }).save("main", { store });
    vi.stubEnv("TESSERA_ACTOR", "user:bob");
    await new Endpoint({ url: "https://two.example" }).save("main", { store, overwrite: true });
    vi.stubEnv("TESSERA_ACTOR", "user:carol");
    await Endpoint.rollback("main", 1, { store });
    vi.stubEnv("TESSERA_ACTOR", "");
    await Endpoint.rename("main", "primary", { store });
    const history = await Endpoint.history("primary", { store });
    expect(history.map((entry) => [entry.operation, entry.actor])).toEqual([
      ["rename", `user:${userInfo().username}`],
      ["rollback", "user:carol"],
      ["save", "user:bob"],
      ["save", "user:alice"],
    ]);
  });

  it("refuses a save with a too-long TESSERA_ACTOR and writes nothing", async () => {
    const store = createMemoryStore();
    vi.stubEnv("TESSERA_ACTOR", "x".repeat(201));
    const error = await new Endpoint({ url: "https://one.example" })
      .save("main", { store })
      .catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(await store.get({ type: "test-actor-endpoint", name: "main" })).toBe(undefined);
  });
});
