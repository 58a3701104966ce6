import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";
import { InvalidInputError } from "@tessera/core";
import type { S3Sdk } from "./lazy-sdk.js";

/** What `uploadStream` needs. */
export interface UploadStreamInput {
  client: S3Client;
  sdk: S3Sdk;
  bucket: string;
  key: string;
  /** The bytes, read once, in order. */
  source: AsyncIterable<Uint8Array>;
  /** Bytes per part (S3: at least 5 MiB, except the last part). */
  partSize: number;
  /** Parts uploaded at the same time. */
  concurrency: number;
  /** Aborts the upload: nothing becomes visible and the multipart upload is aborted. */
  signal?: AbortSignal;
  /** Called with the bytes stored so far, after each part (and at the end). */
  onProgress?: (bytes: number) => void;
}

/** The largest part number S3 accepts. */
const maxParts = 10_000;

/**
 * Streams a source to one S3 object with bounded memory: a single PutObject when the content fits
 * in one part (small content is never copied into a part buffer), else a multipart upload with at
 * most `concurrency` parts in flight. Part buffers
 * are allocated once and reused, so memory stays at `partSize × (concurrency + 1)` whatever the
 * size and however fast the source produces, with no garbage churn per part.
 *
 * On any failure (the source, a part after the SDK's retries, completion) or an abort, the
 * in-flight parts are awaited and the multipart upload is aborted before this rejects, so no
 * part outlives the call and nothing partial becomes visible (S3 only shows a multipart object
 * once it is completed).
 */
export async function uploadStream(input: UploadStreamInput): Promise<void> {
  const { client, sdk, bucket, key, partSize, concurrency, signal } = input;
  const sendOptions = signal ? { abortSignal: signal } : {};
  const free: Buffer[] = [];
  let allocated = 0;
  const inFlight = new Set<Promise<void>>();
  const completed: CompletedPart[] = [];
  let uploadId: string | undefined;
  let failure: unknown;
  let stored = 0;
  let partNumber = 0;

  const takeBuffer = async (): Promise<Buffer> => {
    while (free.length === 0 && allocated > concurrency) {
      await Promise.race(inFlight);
    }
    const reused = free.pop();
    if (reused) return reused;
    allocated += 1;
    return Buffer.allocUnsafe(partSize);
  };

  const startPart = (buffer: Buffer, length: number) => {
    partNumber += 1;
    if (partNumber > maxParts) {
      throw new InvalidInputError({
        subject: "partSizeBytes",
        message: `The content needs more than ${maxParts} parts of ${partSize} bytes; raise partSizeBytes.`,
      });
    }
    const number = partNumber;
    const task = (async () => {
      try {
        const result = await client.send(
          new sdk.UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: buffer.subarray(0, length),
          }),
          sendOptions,
        );
        completed.push({
          PartNumber: number,
          ETag: result.ETag,
          ...(result.ChecksumCRC32 ? { ChecksumCRC32: result.ChecksumCRC32 } : {}),
          ...(result.ChecksumCRC32C ? { ChecksumCRC32C: result.ChecksumCRC32C } : {}),
          ...(result.ChecksumCRC64NVME ? { ChecksumCRC64NVME: result.ChecksumCRC64NVME } : {}),
          ...(result.ChecksumSHA1 ? { ChecksumSHA1: result.ChecksumSHA1 } : {}),
          ...(result.ChecksumSHA256 ? { ChecksumSHA256: result.ChecksumSHA256 } : {}),
        });
        stored += length;
        input.onProgress?.(stored);
      } catch (error) {
        failure ??= error;
      } finally {
        free.push(buffer);
      }
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const settle = async () => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  // Until the content outgrows one part, its chunks are kept as copies: a small write never
  // allocates a part buffer.
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  let buffer: Buffer | undefined;
  let filled = 0;
  let heldFirst: Buffer | undefined;
  try {
    for await (const chunk of input.source) {
      signal?.throwIfAborted();
      if (failure !== undefined) throw failure;
      if (head !== undefined) {
        if (headBytes + chunk.byteLength < partSize) {
          head.push(Buffer.from(chunk));
          headBytes += chunk.byteLength;
          continue;
        }
        buffer = await takeBuffer();
        for (const piece of head) {
          buffer.set(piece, filled);
          filled += piece.byteLength;
        }
        head = undefined;
      }
      let offset = 0;
      while (offset < chunk.byteLength) {
        if (heldFirst !== undefined) {
          // More bytes follow a full first part: this is a multipart upload after all.
          const created = await client.send(
            new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
            sendOptions,
          );
          uploadId = created.UploadId;
          startPart(heldFirst, partSize);
          heldFirst = undefined;
        }
        const current: Buffer = buffer ?? (await takeBuffer());
        buffer = current;
        const copied = Math.min(partSize - filled, chunk.byteLength - offset);
        current.set(chunk.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
        if (filled === partSize) {
          // The first full part waits until more bytes show the content needs a second one.
          if (uploadId === undefined) heldFirst = current;
          else startPart(current, filled);
          buffer = undefined;
          filled = 0;
          if (failure !== undefined) throw failure;
        }
      }
    }
    signal?.throwIfAborted();
    if (head !== undefined) {
      const body = Buffer.concat(head, headBytes);
      await client.send(
        new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
        sendOptions,
      );
      stored = body.byteLength;
      input.onProgress?.(stored);
      return;
    }
    if (heldFirst !== undefined) {
      // The content filled exactly one part: one request stores it.
      await client.send(
        new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: heldFirst }),
        sendOptions,
      );
      stored = heldFirst.byteLength;
      input.onProgress?.(stored);
      return;
    }
    if (buffer !== undefined && filled > 0) startPart(buffer, filled);
    await settle();
    if (failure !== undefined) throw failure;
    signal?.throwIfAborted();
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
      sendOptions,
    );
    uploadId = undefined;
  } catch (error) {
    await settle();
    if (uploadId !== undefined) {
      // Not tied to the caller's signal: the abort must reach S3 even when the caller gave up.
      await client
        .send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch((abortError: unknown) => {
          if (error instanceof Error && error.cause === undefined) error.cause = abortError;
        });
    }
    throw error;
  }
}
