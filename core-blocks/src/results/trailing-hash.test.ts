import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TrailingHash } from "./trailing-hash.js";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("TrailingHash", () => {
  it("gives the SHA-256 of the bytes added, however they are split into chunks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 3 << 20 })), {
          maxLength: 6,
        }),
        async (pieces) => {
          const chunks = pieces.map((piece) =>
            typeof piece === "number" ? randomBytes(piece) : piece,
          );
          const hash = new TrailingHash();
          for (const chunk of chunks) hash.add(chunk);
          expect(hash.length).toBe(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
          expect(await hash.digest()).toBe(sha256(Buffer.concat(chunks)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("hashes after add returns, so the caller can hand a chunk on first", async () => {
    const chunk = randomBytes(4 << 20);
    const hash = new TrailingHash();
    hash.add(chunk);
    expect(hash.pending).toBe(chunk.byteLength);
    await hash.settled(0);
    expect(hash.pending).toBe(0);
    expect(await hash.digest()).toBe(sha256(chunk));
  });

  it("lets a producer wait until what is held for hashing is under a bound", async () => {
    const hash = new TrailingHash();
    const chunks = Array.from({ length: 8 }, () => randomBytes(1 << 20));
    for (const chunk of chunks) {
      hash.add(chunk);
      await hash.settled(2 << 20);
      expect(hash.pending).toBeLessThanOrEqual(2 << 20);
    }
    expect(await hash.digest()).toBe(sha256(Buffer.concat(chunks)));
  });

  it("releases a waiting producer and refuses more bytes once stopped", async () => {
    const hash = new TrailingHash();
    hash.add(randomBytes(8 << 20));
    const waiting = hash.settled(0);
    hash.stop();
    await waiting;
    expect(hash.pending).toBe(0);
    expect(() => hash.add(new Uint8Array(1))).toThrow(/stopped/);
  });
});
