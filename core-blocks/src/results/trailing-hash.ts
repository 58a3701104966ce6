import { createHash, type Hash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Bytes hashed in one step before the event loop gets a turn (I/O completions, the next write). */
const stepBytes = 1 << 20;
/** Chunks up to this size are hashed at once when nothing waits: a turn would cost more. */
const immediateBytes = 64 << 10;

/**
 * A SHA-256 that trails the bytes it is given. `add` queues a chunk and the hashing runs a step
 * at a time between turns of the event loop, so it overlaps with the work the same chunks go to
 * (a disk write, an fsync, an upload) instead of holding it up. Chunks are held, not copied, until
 * they are hashed: they must not change once added, and a producer whose chunks would otherwise
 * be garbage bounds what is held with `settled(limit)`.
 */
export class TrailingHash {
  private readonly hash: Hash = createHash("sha256");
  private readonly queue: Uint8Array[] = [];
  /** How much of `queue[0]` is hashed already. */
  private head = 0;
  private waitingBytes = 0;
  private pumping = false;
  private failure: { error: unknown } | undefined;
  private readonly waiters: { limit: number; resolve: () => void }[] = [];
  private stopped = false;
  /** Bytes added so far. */
  length = 0;

  /** Bytes added and not hashed yet. */
  get pending(): number {
    return this.waitingBytes;
  }

  /** Queues a chunk to be hashed after the ones before it. */
  add(chunk: Uint8Array): void {
    if (this.stopped || this.failure) {
      throw new Error("This hash was stopped; start a new one.");
    }
    if (chunk.byteLength === 0) return;
    this.length += chunk.byteLength;
    if (this.waitingBytes === 0 && chunk.byteLength <= immediateBytes) {
      this.hash.update(chunk);
      return;
    }
    this.queue.push(chunk);
    this.waitingBytes += chunk.byteLength;
    if (!this.pumping) {
      this.pumping = true;
      void this.run();
    }
  }

  /** Resolves once at most `limit` added bytes are still waiting to be hashed. */
  settled(limit: number): Promise<void> {
    if (this.waitingBytes <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /** The hex SHA-256 of every byte added, once the last one is hashed. */
  async digest(): Promise<string> {
    await this.settled(0);
    if (this.failure) throw this.failure.error;
    return this.hash.digest("hex");
  }

  /** Drops what is still queued (the bytes are not needed after all) and releases waiters. */
  stop(): void {
    this.stopped = true;
    this.drop();
  }

  private drop(): void {
    this.queue.length = 0;
    this.waitingBytes = 0;
    this.wake();
  }

  private wake(): void {
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      const waiter = this.waiters[index]!;
      if (this.waitingBytes <= waiter.limit) {
        this.waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }

  private async run(): Promise<void> {
    try {
      // The caller hands the chunk on (to a write) before the first step runs.
      await nextTurn();
      for (;;) {
        const chunk = this.queue[0];
        if (!chunk) return;
        const end = Math.min(chunk.byteLength, this.head + stepBytes);
        this.hash.update(chunk.subarray(this.head, end));
        this.waitingBytes -= end - this.head;
        if (end === chunk.byteLength) {
          this.queue.shift();
          this.head = 0;
        } else {
          this.head = end;
        }
        this.wake();
        if (this.queue.length > 0) await nextTurn();
      }
    } catch (error) {
      // Not expected (bytes always hash), but a waiter must never hang: digest reports it.
      this.failure = { error };
      this.drop();
    } finally {
      this.pumping = false;
    }
  }
}
