import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Sdk } from "./lazy-sdk.js";
import { MultipartSession, type MultipartTarget } from "./multipart-session.js";
import { PartBufferPool } from "./part-buffer-pool.js";

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

/**
 * Streams a source to one S3 object with bounded memory: a single PutObject when the content fits
 * in one part (small content is never copied into a part buffer), else a multipart upload with at
 * most `concurrency` parts in flight. Part buffers come from a pool of `concurrency + 1`, so
 * memory stays at `partSize × (concurrency + 1)` whatever the size and however fast the source
 * produces.
 *
 * On any failure (the source, a part after the SDK's retries, completion) or an abort, the
 * in-flight parts are awaited and the multipart upload is aborted before this rejects, so no
 * part outlives the call and nothing partial becomes visible (S3 only shows a multipart object
 * once it is completed).
 */
export async function uploadStream(input: UploadStreamInput): Promise<void> {
  const { partSize, signal } = input;
  const target: MultipartTarget = {
    client: input.client,
    sdk: input.sdk,
    bucket: input.bucket,
    key: input.key,
    partSize,
  };
  if (signal) target.signal = signal;
  if (input.onProgress) target.onProgress = input.onProgress;
  const session = new MultipartSession(target, (released) => pool.release(released));
  const pool = new PartBufferPool(partSize, input.concurrency + 1, () => session.partEnded());

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
      if (session.failure !== undefined) throw session.failure;
      if (head !== undefined) {
        if (headBytes + chunk.byteLength < partSize) {
          head.push(Buffer.from(chunk));
          headBytes += chunk.byteLength;
          continue;
        }
        buffer = await pool.take();
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
          await session.create();
          session.startPart(heldFirst, partSize);
          heldFirst = undefined;
        }
        const current: Buffer = buffer ?? (await pool.take());
        buffer = current;
        const copied = Math.min(partSize - filled, chunk.byteLength - offset);
        current.set(chunk.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
        if (filled === partSize) {
          // The first full part waits until more bytes show the content needs a second one.
          if (!session.created) heldFirst = current;
          else session.startPart(current, filled);
          buffer = undefined;
          filled = 0;
          if (session.failure !== undefined) throw session.failure;
        }
      }
    }
    signal?.throwIfAborted();
    if (head !== undefined) return await putObject(input, Buffer.concat(head, headBytes));
    // The content filled exactly one part: one request stores it.
    if (heldFirst !== undefined) return await putObject(input, heldFirst);
    if (buffer !== undefined && filled > 0) session.startPart(buffer, filled);
    await session.complete();
  } catch (error) {
    await session.abort(error);
    throw error;
  }
}

/** Stores content that fits in one part with a single PutObject. */
async function putObject(input: UploadStreamInput, body: Buffer): Promise<void> {
  const { client, sdk, bucket, key, signal } = input;
  await client.send(
    new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    signal ? { abortSignal: signal } : {},
  );
  input.onProgress?.(body.byteLength);
}
