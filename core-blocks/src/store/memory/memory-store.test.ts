import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeBlockStore } from "../../testing/index.js";
import { createMemoryStore } from "./memory-store.js";

describeBlockStore(
  { describe, it, expect, beforeEach, afterEach },
  async () => ({ store: createMemoryStore() }),
  { name: "memory store conformance" },
);
