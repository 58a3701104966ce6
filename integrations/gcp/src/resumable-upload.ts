import type { Storage } from "@google-cloud/storage";
import { loadStorageSdk } from "./lazy-sdk.js";
import { backoff, type RequestRetries, retryableStatuses } from "./retries.js";

/** A Cloud Storage object resource, as an upload answers it. */
export interface ObjectResource {
  name: string;
  generation: string;
  size: string;
  crc32c?: string;
  md5Hash?: string;
}

/** An HTTP answer that ended an upload: Google's status and message. */
class UploadHttpError extends Error {
  readonly code: number;
  constructor(status: number, message: string) {
    super(message);
    this.code = status;
  }
}

/** What `resumableUpload` needs. */
export interface ResumableUploadOptions {
  storage: Storage;
  bucket: string;
  key: string;
  /** The content, chunk by chunk (already abortable). */
  source: AsyncIterable<Uint8Array>;
  /** Bytes per request: a multiple of 256 KiB; one buffer of this size is held. */
  chunkSize: number;
  /** The generation the object must have when the upload is committed (0: no object). */
  ifGenerationMatch: string;
  retries: RequestRetries;
  signal?: AbortSignal;
  /** Called with the bytes Cloud Storage has confirmed so far. */
  onBytes: (bytes: number) => void;
}

/** Google's error message in a JSON error body, else the body's text. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // not JSON
  }
  return text || response.statusText;
}

/** The end of the persisted range a 308 reports (`Range: bytes=0-N` → N + 1), 0 without one. */
function persistedBytes(response: Response): number {
  const range = /bytes=0-(\d+)/.exec(response.headers.get("range") ?? "");
  return range ? Number(range[1]) + 1 : 0;
}

/** Reads from `source` until `buffer` is full or the source ends; returns the bytes read. */
class ChunkReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #pending: Uint8Array | undefined;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  async #next(): Promise<Uint8Array | undefined> {
    if (this.#pending) {
      const pending = this.#pending;
      this.#pending = undefined;
      return pending;
    }
    if (this.#done) return undefined;
    const step = await this.#iterator.next();
    if (step.done) {
      this.#done = true;
      return undefined;
    }
    return step.value;
  }

  /** Fills `buffer`; answers the length filled and whether the source has more. */
  async fill(buffer: Buffer): Promise<{ length: number; more: boolean }> {
    let length = 0;
    while (length < buffer.length) {
      const piece = await this.#next();
      if (piece === undefined) return { length, more: false };
      const taken = Math.min(piece.byteLength, buffer.length - length);
      buffer.set(piece.subarray(0, taken), length);
      length += taken;
      if (taken < piece.byteLength) this.#pending = piece.subarray(taken);
    }
    const next = await this.#next();
    if (next === undefined) return { length, more: false };
    this.#pending = next;
    return { length, more: true };
  }

  /** Stops the source (its `finally` blocks run). */
  async close(): Promise<void> {
    await this.#iterator.return?.();
  }
}

/**
 * Uploads a stream to Cloud Storage through a resumable session, one chunk at a time, holding one
 * chunk in memory. The last request carries the CRC32C of the whole content (`X-Goog-Hash`), so
 * Cloud Storage refuses content that does not match before committing it, and the generation
 * precondition, so a retried request can never commit twice or over a newer object. A request
 * that fails in a retryable way (408, 429, 5xx, a cut connection) is followed by a status query
 * and resumed where Cloud Storage stopped. On failure or abort the session is cancelled: no
 * partial object is ever visible.
 */
export async function resumableUpload(options: ResumableUploadOptions): Promise<ObjectResource> {
  const { storage, signal, retries } = options;
  const { CRC32C } = await loadStorageSdk();
  const checksum = new CRC32C();
  const authenticated = !(storage as unknown as { customEndpoint?: boolean }).customEndpoint;
  const headers = async (extra: Record<string, string>): Promise<Record<string, string>> => {
    if (!authenticated) return extra;
    const auth = (await storage.authClient.getRequestHeaders()) as unknown as Record<
      string,
      string
    >;
    return { ...auth, ...extra };
  };

  /** Runs a request, retrying transient failures with backoff; `recover` runs before a retry. */
  async function withRetries<Result>(
    attempt: () => Promise<Result | "retry">,
    recover?: () => Promise<void>,
  ): Promise<Result> {
    for (let tries = 0; ; tries++) {
      signal?.throwIfAborted();
      let outcome: Result | "retry";
      try {
        outcome = await attempt();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof UploadHttpError) throw error;
        if (tries >= retries.maxRetries) throw error;
        outcome = "retry";
      }
      if (outcome !== "retry") return outcome;
      if (tries >= retries.maxRetries) {
        throw new UploadHttpError(503, "the upload kept failing after its retries");
      }
      await backoff(retries, tries, signal);
      await recover?.();
    }
  }

  const endpoint = storage.apiEndpoint.replace(/\/+$/, "");
  const start = `${endpoint}/upload/storage/v1/b/${encodeURIComponent(options.bucket)}/o?${new URLSearchParams(
    {
      uploadType: "resumable",
      name: options.key,
      ifGenerationMatch: options.ifGenerationMatch,
    },
  )}`;
  const session = await withRetries(async () => {
    const response = await fetch(start, {
      method: "POST",
      headers: await headers({ "content-type": "application/json; charset=UTF-8" }),
      body: JSON.stringify({ name: options.key, contentType: "application/octet-stream" }),
      ...(signal ? { signal } : {}),
    });
    if (retryableStatuses.has(response.status)) {
      await response.body?.cancel();
      return "retry" as const;
    }
    if (!response.ok) throw new UploadHttpError(response.status, await errorMessage(response));
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (!location) throw new UploadHttpError(502, "Cloud Storage answered without a session URL");
    return location;
  });

  const reader = new ChunkReader(options.source);
  const buffer = Buffer.allocUnsafe(options.chunkSize);
  let committed = 0;
  let result: ObjectResource | undefined;
  try {
    while (result === undefined) {
      const { length, more } = await reader.fill(buffer);
      checksum.update(buffer.subarray(0, length));
      const chunkStart = committed;
      const total = more ? undefined : chunkStart + length;
      /** Sends the rest of this chunk from `persisted` on; answers the new persisted count or the object. */
      const send = async (): Promise<number | ObjectResource | "retry"> => {
        const from = committed - chunkStart;
        const body = buffer.subarray(from, length);
        const range =
          body.length === 0
            ? `bytes */${total ?? "*"}`
            : `bytes ${committed}-${committed + body.length - 1}/${total ?? "*"}`;
        const response = await fetch(session, {
          method: "PUT",
          headers: await headers({
            "content-range": range,
            ...(total === undefined ? {} : { "x-goog-hash": `crc32c=${checksum.toString()}` }),
          }),
          body,
          ...(signal ? { signal } : {}),
        });
        if (response.status === 308) {
          await response.body?.cancel();
          return persistedBytes(response);
        }
        if (response.ok) return (await response.json()) as ObjectResource;
        if (retryableStatuses.has(response.status)) {
          await response.body?.cancel();
          return "retry";
        }
        throw new UploadHttpError(response.status, await errorMessage(response));
      };
      /** Asks how much Cloud Storage holds, after a failed request. */
      const recover = async () => {
        const response = await fetch(session, {
          method: "PUT",
          headers: await headers({ "content-range": `bytes */${total ?? "*"}` }),
          ...(signal ? { signal } : {}),
        });
        if (response.ok) {
          result = (await response.json()) as ObjectResource;
          return;
        }
        await response.body?.cancel();
        if (response.status === 308) committed = persistedBytes(response);
      };
      while (result === undefined && (committed < chunkStart + length || total !== undefined)) {
        const outcome = await withRetries(send, recover);
        if (result !== undefined) break;
        if (typeof outcome === "number") {
          committed = outcome;
          options.onBytes(committed);
          if (committed < chunkStart) {
            throw new UploadHttpError(502, "Cloud Storage lost bytes it had confirmed");
          }
        } else {
          result = outcome;
        }
      }
    }
  } catch (error) {
    // Cancel the session (best effort): nothing was committed, so nothing must become visible.
    await fetch(session, { method: "DELETE", headers: await headers({}) }).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
    await reader.close().catch(() => undefined);
    throw error;
  }
  options.onBytes(Number(result.size));
  if (result.crc32c !== undefined && result.crc32c !== checksum.toString()) {
    throw Object.assign(new Error("the stored object's CRC32C differs from the bytes sent"), {
      code: "FILE_NO_UPLOAD",
    });
  }
  return result;
}
