import { Readable, Transform, type TransformCallback } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { InvalidInputError } from "../errors/index.js";
import type { TransferProgress, WritableContent } from "./writable-file-system.js";

const encoder = new TextEncoder();

function isWebReadableStream(content: unknown): content is WebReadableStream<Uint8Array> {
  return (
    typeof content === "object" &&
    content !== null &&
    typeof (content as { getReader?: unknown }).getReader === "function"
  );
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new InvalidInputError({
    subject: "content",
    message: `A content chunk must be a Uint8Array or a string, got ${chunk === null ? "null" : typeof chunk}.`,
  });
}

async function* webStreamChunks(stream: WebReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield toBytes(next.value);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * The bytes of any `WritableContent` as an async iterable of `Uint8Array` chunks, read lazily so
 * a stream is never buffered whole. Storage implementations use it to accept every content kind.
 */
export async function* writableContentChunks(content: WritableContent): AsyncGenerator<Uint8Array> {
  if (typeof content === "string" || content instanceof Uint8Array) {
    yield toBytes(content);
    return;
  }
  if (isWebReadableStream(content)) {
    yield* webStreamChunks(content);
    return;
  }
  if (typeof content === "object" && content !== null && Symbol.asyncIterator in content) {
    for await (const chunk of content as AsyncIterable<unknown>) yield toBytes(chunk);
    return;
  }
  throw new InvalidInputError({
    subject: "content",
    message: `Content must be a Uint8Array, a string, a Node Readable, a web ReadableStream or an async iterable of chunks, got ${content === null ? "null" : typeof content}.`,
  });
}

/** Whether a value is one of the `WritableContent` kinds (bytes, string, stream, async iterable). */
export function isWritableContent(value: unknown): value is WritableContent {
  return (
    typeof value === "string" ||
    value instanceof Uint8Array ||
    isWebReadableStream(value) ||
    (typeof value === "object" && value !== null && Symbol.asyncIterator in value)
  );
}

/** Any `WritableContent` as a Node `Readable` of `Buffer` chunks (for SDKs that take a stream). */
export function writableContentToReadable(content: WritableContent): Readable {
  if (content instanceof Readable) return content;
  return Readable.from(writableContentChunks(content), { objectMode: false });
}

/** The byte length of content when it is known without reading it (bytes and strings). */
export function knownContentLength(content: WritableContent): number | undefined {
  if (content instanceof Uint8Array) return content.byteLength;
  if (typeof content === "string") return Buffer.byteLength(content);
  return undefined;
}

/** Reads a whole stream into one buffer. */
export async function readAllBytes(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(
      typeof chunk === "string"
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
  }
  return Buffer.concat(chunks);
}

/**
 * A pass-through stream that reports the bytes that went through it. Storage implementations put
 * one in front of an upload or behind a download to honour `onProgress`.
 */
export function progressStream(
  onProgress: ((progress: TransferProgress) => void) | undefined,
  totalBytes?: number,
): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (onProgress) {
        onProgress(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
      }
      callback(null, chunk);
    },
  });
}
