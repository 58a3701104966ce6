import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";
import { InvalidInputError } from "@tessera/core";
import type { S3Sdk } from "./lazy-sdk.js";

/** The largest part number S3 accepts. */
const maxParts = 10_000;

/** Where a multipart session uploads, and how. */
export interface MultipartTarget {
  client: S3Client;
  sdk: S3Sdk;
  bucket: string;
  key: string;
  /** Bytes per part, for the message when the content needs too many parts. */
  partSize: number;
  /** Aborts the requests of the session (the final abort of the upload is not tied to it). */
  signal?: AbortSignal;
  /** Called with the bytes stored so far, after each part. */
  onProgress?: (bytes: number) => void;
}

/**
 * One S3 multipart upload: created, fed parts that upload concurrently, then completed, or
 * aborted on failure so no part outlives it. A failed part does not reject at once: its error is
 * kept in `failure` for the uploader to throw at its next step.
 */
export class MultipartSession {
  /** The first error of a part upload, if any. */
  failure: unknown;
  private uploadId: string | undefined;
  private partNumber = 0;
  private stored = 0;
  private readonly completed: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sendOptions: { abortSignal?: AbortSignal };

  /** @param releaseBuffer called with each part's buffer once its upload has ended. */
  constructor(
    private readonly target: MultipartTarget,
    private readonly releaseBuffer: (buffer: Buffer) => void,
  ) {
    this.sendOptions = target.signal ? { abortSignal: target.signal } : {};
  }

  /** Creates the multipart upload on S3. */
  async create(): Promise<void> {
    const { client, sdk, bucket, key } = this.target;
    const created = await client.send(
      new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
      this.sendOptions,
    );
    this.uploadId = created.UploadId;
  }

  /** Whether the multipart upload was created (and not completed). */
  get created(): boolean {
    return this.uploadId !== undefined;
  }

  /** Starts uploading the first `length` bytes of `buffer` as the next part. */
  startPart(buffer: Buffer, length: number): void {
    this.partNumber += 1;
    if (this.partNumber > maxParts) {
      throw new InvalidInputError({
        subject: "partSizeBytes",
        message: `The content needs more than ${maxParts} parts of ${this.target.partSize} bytes; raise partSizeBytes.`,
      });
    }
    const task = this.uploadPart(this.partNumber, buffer, length);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async uploadPart(number: number, buffer: Buffer, length: number): Promise<void> {
    const { client, sdk, bucket, key } = this.target;
    try {
      const result = await client.send(
        new sdk.UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          PartNumber: number,
          Body: buffer.subarray(0, length),
        }),
        this.sendOptions,
      );
      this.completed.push({
        PartNumber: number,
        ETag: result.ETag,
        ...(result.ChecksumCRC32 ? { ChecksumCRC32: result.ChecksumCRC32 } : {}),
        ...(result.ChecksumCRC32C ? { ChecksumCRC32C: result.ChecksumCRC32C } : {}),
        ...(result.ChecksumCRC64NVME ? { ChecksumCRC64NVME: result.ChecksumCRC64NVME } : {}),
        ...(result.ChecksumSHA1 ? { ChecksumSHA1: result.ChecksumSHA1 } : {}),
        ...(result.ChecksumSHA256 ? { ChecksumSHA256: result.ChecksumSHA256 } : {}),
      });
      this.stored += length;
      this.target.onProgress?.(this.stored);
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.releaseBuffer(buffer);
    }
  }

  /** Resolves when some part in flight has ended. */
  partEnded(): Promise<unknown> {
    return Promise.race(this.inFlight);
  }

  /** Waits for every part in flight. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Waits for the parts, then completes the upload, which makes the object visible. */
  async complete(): Promise<void> {
    const { client, sdk, bucket, key, signal } = this.target;
    await this.settle();
    if (this.failure !== undefined) throw this.failure;
    signal?.throwIfAborted();
    this.completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.completed },
      }),
      this.sendOptions,
    );
    this.uploadId = undefined;
  }

  /**
   * After `error`: waits for the parts in flight and aborts the upload if it was created. Not
   * tied to the caller's signal: the abort must reach S3 even when the caller gave up. A failed
   * abort becomes the `cause` of `error` when it has none.
   */
  async abort(error: unknown): Promise<void> {
    await this.settle();
    if (this.uploadId === undefined) return;
    const { client, sdk, bucket, key } = this.target;
    await client
      .send(
        new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId }),
      )
      .catch((abortError: unknown) => {
        if (error instanceof Error && error.cause === undefined) error.cause = abortError;
      });
  }
}
