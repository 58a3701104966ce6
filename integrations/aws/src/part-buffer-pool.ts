/**
 * Part buffers of one size for a multipart upload, allocated on first need and reused, so memory
 * stays at `partSize × maxBuffers` whatever the size of the content, with no garbage churn per
 * part.
 */
export class PartBufferPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;

  /**
   * @param partSize bytes per buffer.
   * @param maxBuffers buffers allocated at most; `take` waits beyond that.
   * @param waitForRelease resolves once some buffer may have been given back.
   */
  constructor(
    private readonly partSize: number,
    private readonly maxBuffers: number,
    private readonly waitForRelease: () => Promise<unknown>,
  ) {}

  /** A free buffer, a new one while fewer than `maxBuffers` exist, else the next one given back. */
  async take(): Promise<Buffer> {
    while (this.free.length === 0 && this.allocated >= this.maxBuffers) {
      await this.waitForRelease();
    }
    const reused = this.free.pop();
    if (reused) return reused;
    this.allocated += 1;
    return Buffer.allocUnsafe(this.partSize);
  }

  /** Gives a buffer back once its part no longer reads it. */
  release(buffer: Buffer): void {
    this.free.push(buffer);
  }
}
