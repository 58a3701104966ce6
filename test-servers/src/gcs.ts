/**
 * An emulator of Google Cloud Storage's JSON API, faithful to what the official client
 * (`@google-cloud/storage`) sends and to Google's JSON API reference, for tests that must not need
 * a cloud account (no GCS emulator installs on these machines).
 *
 * Served, under `/storage/v1` (an `apiEndpoint` client) or at the root (`STORAGE_EMULATOR_HOST`):
 * - buckets: `GET /b/{bucket}`, `POST /b` (create);
 * - objects: metadata `GET /b/{bucket}/o/{object}`, media `GET …?alt=media` (also under
 *   `/download`) with `Range` (206, 416), list `GET /b/{bucket}/o` with `prefix`, `delimiter`,
 *   `maxResults`, `pageToken`, `startOffset`, `endOffset`, `DELETE`, and server-side copies
 *   (`rewriteTo`, `copyTo`);
 * - uploads under `/upload/storage/v1/b/{bucket}/o`: `uploadType=media`, `multipart`
 *   (`multipart/related`: JSON metadata, then the media) and `resumable` sessions (an absolute
 *   `Location`; `PUT` chunks with `Content-Range`, answered 308 with `Range` until the last one;
 *   `bytes *\/*` asks for the status; non-final chunks are kept in multiples of 256 KiB, as GCS
 *   does; `DELETE` cancels with 499).
 *
 * Every object carries a generation, a metageneration, `md5Hash` and `crc32c` (base64, CRC32C
 * big-endian); sizes and generations are strings. Preconditions (`ifGenerationMatch`,
 * `ifGenerationNotMatch`, `ifMetagenerationMatch`, `ifMetagenerationNotMatch`; generation 0 means
 * "no live object") answer 412 `conditionNotMet` on writes and deletes. Checksums the client sends
 * (`crc32c`/`md5Hash` in the metadata, `X-Goog-Hash` on a media upload or the last chunk of a
 * session) are verified before the object is committed: a mismatch is 400 and leaves the previous
 * object as it was. Errors are Google's JSON: `{ error: { code, message, errors: [{ message,
 * domain, reason }] } }`.
 *
 * Authentication is not checked (the client sends none to a custom endpoint); `deniedBuckets`
 * answer 403 `forbidden` to every request.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** Options of `startGcsEmulator`. */
export interface GcsEmulatorOptions {
  /** Buckets that exist from the start. @default [] */
  buckets?: string[];
  /** Buckets whose every request is refused with 403 `forbidden`. @default [] */
  deniedBuckets?: string[];
}

/** A request the emulator answered, for assertions. */
export interface GcsRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  status: number;
}

/** A running emulator. */
export interface GcsEmulator {
  /** `http://127.0.0.1:<port>`, for the client's `apiEndpoint`. */
  endpoint: string;
  /** Every request answered, in order. */
  requests: GcsRequest[];
  /** Creates a bucket (no error when it exists). */
  createBucket(name: string): void;
  /**
   * The generations committed under an object name, oldest first, including overwritten and
   * deleted ones: a write retried by the client must not add a second.
   */
  generations(bucket: string, name: string): string[];
  /** Resumable sessions neither finished nor cancelled. */
  openSessions(): number;
  /**
   * Flips one byte of the next `count` uploads as they arrive, as a faulty network would: a
   * client that sent its checksum sees the upload refused, and the previous object stays.
   */
  corruptUploads(count: number): void;
  /** Stops the server. */
  stop(): Promise<void>;
}

interface StoredObject {
  name: string;
  bucket: string;
  data: Buffer;
  generation: string;
  metageneration: number;
  contentType: string;
  metadata: Record<string, string> | undefined;
  md5Hash: string;
  crc32c: string;
  created: Date;
  updated: Date;
}

interface Bucket {
  name: string;
  created: Date;
  objects: Map<string, StoredObject>;
}

interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  metadata: Record<string, unknown>;
  preconditions: URLSearchParams;
  chunks: Buffer[];
  persisted: number;
  result?: StoredObject;
}

/** An error answered as Google's error JSON. */
class GoogleError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A fault proxy's answer in Google's error JSON, as Cloud Storage and Secret Manager send it. */
export function googleErrorResponse(
  status: number,
  reason: string,
  message: string,
): { kind: "respond"; status: number; headers: Record<string, string>; body: string } {
  return {
    kind: "respond",
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: JSON.stringify({
      error: { code: status, message, errors: [{ message, domain: "global", reason }] },
    }),
  };
}

/** 256 KiB: the granularity of what a resumable session keeps of a non-final chunk. */
const CHUNK_GRANULARITY = 256 * 1024;

const crc32cTable = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of `data`, base64 of its four big-endian bytes, as GCS writes it. */
export function crc32cBase64(data: Uint8Array): string {
  let crc = 0xffffffff;
  for (let index = 0; index < data.length; index++) {
    crc = (crc32cTable[(crc ^ (data[index] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return bytes.toString("base64");
}

function md5Base64(data: Uint8Array): string {
  return createHash("md5").update(data).digest("base64");
}

/** `crc32c=…,md5=…` of an `X-Goog-Hash` header. */
function parseGoogHash(header: string | string[] | undefined): { crc32c?: string; md5?: string } {
  const hashes: { crc32c?: string; md5?: string } = {};
  for (const part of [header ?? []].flat().join(",").split(",")) {
    const separator = part.indexOf("=");
    if (separator < 0) continue;
    const kind = part.slice(0, separator).trim().toLowerCase();
    const value = part.slice(separator + 1).trim();
    if (kind === "crc32c") hashes.crc32c = value;
    if (kind === "md5") hashes.md5 = value;
  }
  return hashes;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new GoogleError(400, "parseError", "Parse Error");
}

/** The parts of a `multipart/related` body: each part's headers and bytes. */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { headers: Record<string, string>; data: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) {
    throw new GoogleError(400, "invalid", "Missing boundary in multipart body.");
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  let position = body.indexOf(delimiter);
  while (position >= 0) {
    let start = position + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    const headerText = headerEnd < 0 ? "" : part.subarray(0, headerEnd).toString("utf8");
    let data = headerEnd < 0 ? part : part.subarray(headerEnd + 4);
    // The CRLF before the next delimiter belongs to the delimiter.
    if (data.subarray(-2).toString() === "\r\n") data = data.subarray(0, -2);
    const headers: Record<string, string> = {};
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, data });
    position = next;
  }
  if (parts.length !== 2) {
    throw new GoogleError(
      400,
      "invalid",
      "A multipart upload needs a metadata part and a media part.",
    );
  }
  return parts;
}

/** Starts the emulator on a free loopback port. */
export async function startGcsEmulator(options: GcsEmulatorOptions = {}): Promise<GcsEmulator> {
  const buckets = new Map<string, Bucket>();
  const denied = new Set(options.deniedBuckets ?? []);
  const sessions = new Map<string, UploadSession>();
  const history = new Map<string, string[]>();
  const requests: GcsRequest[] = [];
  let generationCounter = 0;
  let uploadsToCorrupt = 0;

  function createBucket(name: string): void {
    if (!buckets.has(name)) buckets.set(name, { name, created: new Date(), objects: new Map() });
  }
  for (const name of options.buckets ?? []) createBucket(name);

  function bucketNamed(name: string): Bucket {
    if (denied.has(name)) {
      throw new GoogleError(
        403,
        "forbidden",
        `tessera-test@example-project.iam.gserviceaccount.com does not have storage.objects.list access to the Google Cloud Storage bucket. Permission 'storage.objects.list' denied on resource (or it may not exist).`,
      );
    }
    const bucket = buckets.get(name);
    if (!bucket) throw new GoogleError(404, "notFound", "The specified bucket does not exist.");
    return bucket;
  }

  function objectNamed(bucket: Bucket, name: string, query: URLSearchParams): StoredObject {
    const object = bucket.objects.get(name);
    const generation = query.get("generation");
    if (!object || (generation !== null && generation !== object.generation)) {
      throw new GoogleError(404, "notFound", `No such object: ${bucket.name}/${name}`);
    }
    return object;
  }

  /** Checks the `if…Match` parameters against the live object (or its absence). */
  function checkPreconditions(
    current: StoredObject | undefined,
    query: URLSearchParams,
    prefix = "",
  ): void {
    const failed = () =>
      new GoogleError(
        412,
        "conditionNotMet",
        "At least one of the pre-conditions you specified did not hold.",
      );
    const generation = current?.generation ?? "0";
    const ifGenerationMatch = query.get(`${prefix}ifGenerationMatch`);
    if (ifGenerationMatch !== null && ifGenerationMatch !== generation) throw failed();
    const ifGenerationNotMatch = query.get(`${prefix}ifGenerationNotMatch`);
    if (ifGenerationNotMatch !== null && ifGenerationNotMatch === generation) throw failed();
    const metageneration = current ? String(current.metageneration) : undefined;
    const ifMetagenerationMatch = query.get(`${prefix}ifMetagenerationMatch`);
    if (ifMetagenerationMatch !== null && ifMetagenerationMatch !== metageneration) throw failed();
    const ifMetagenerationNotMatch = query.get(`${prefix}ifMetagenerationNotMatch`);
    if (ifMetagenerationNotMatch !== null && ifMetagenerationNotMatch === metageneration) {
      throw failed();
    }
  }

  function objectResource(object: StoredObject, origin: string): Record<string, unknown> {
    const encoded = encodeURIComponent(object.name);
    return {
      kind: "storage#object",
      id: `${object.bucket}/${object.name}/${object.generation}`,
      selfLink: `${origin}/storage/v1/b/${object.bucket}/o/${encoded}`,
      mediaLink: `${origin}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
      name: object.name,
      bucket: object.bucket,
      generation: object.generation,
      metageneration: String(object.metageneration),
      contentType: object.contentType,
      storageClass: "STANDARD",
      size: String(object.data.length),
      md5Hash: object.md5Hash,
      crc32c: object.crc32c,
      etag: Buffer.from(`${object.generation}/${object.metageneration}`).toString("base64"),
      timeCreated: object.created.toISOString(),
      updated: object.updated.toISOString(),
      timeStorageClassUpdated: object.created.toISOString(),
      ...(object.metadata ? { metadata: object.metadata } : {}),
    };
  }

  /**
   * Commits an object: verifies the checksums the client gave, checks the preconditions against
   * the live object, then replaces it. Nothing changes when a check fails.
   */
  function commit(
    bucket: Bucket,
    name: string,
    data: Buffer,
    metadata: Record<string, unknown>,
    preconditions: URLSearchParams,
    hashes: { crc32c?: string; md5?: string },
  ): StoredObject {
    if (name.length === 0 || Buffer.byteLength(name) > 1024) {
      throw new GoogleError(400, "invalid", "The object name is invalid.");
    }
    if (uploadsToCorrupt > 0 && data.length > 0) {
      uploadsToCorrupt -= 1;
      data = Buffer.from(data);
      data[0] = (data[0] as number) ^ 0xff;
    }
    const crc32c = crc32cBase64(data);
    const md5Hash = md5Base64(data);
    const expectedCrc = hashes.crc32c ?? (metadata.crc32c as string | undefined);
    if (expectedCrc !== undefined && expectedCrc !== crc32c) {
      throw new GoogleError(
        400,
        "invalid",
        `Provided CRC32C "${expectedCrc}" doesn't match calculated CRC32C "${crc32c}".`,
      );
    }
    const expectedMd5 = hashes.md5 ?? (metadata.md5Hash as string | undefined);
    if (expectedMd5 !== undefined && expectedMd5 !== md5Hash) {
      throw new GoogleError(
        400,
        "invalid",
        `Provided MD5 hash "${expectedMd5}" doesn't match calculated MD5 hash "${md5Hash}".`,
      );
    }
    checkPreconditions(bucket.objects.get(name), preconditions);
    generationCounter += 1;
    const now = new Date();
    const object: StoredObject = {
      name,
      bucket: bucket.name,
      data,
      generation: String(now.getTime() * 1000 + (generationCounter % 1000)),
      metageneration: 1,
      contentType:
        typeof metadata.contentType === "string"
          ? metadata.contentType
          : "application/octet-stream",
      metadata:
        typeof metadata.metadata === "object" && metadata.metadata !== null
          ? (metadata.metadata as Record<string, string>)
          : undefined,
      md5Hash,
      crc32c,
      created: now,
      updated: now,
    };
    bucket.objects.set(name, object);
    const key = `${bucket.name}/${name}`;
    history.set(key, [...(history.get(key) ?? []), object.generation]);
    return object;
  }

  function sendJson(response: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json; charset=UTF-8",
      "content-length": String(Buffer.byteLength(text)),
    });
    response.end(text);
  }

  function sendError(response: ServerResponse, error: GoogleError): void {
    sendJson(response, error.status, {
      error: {
        code: error.status,
        message: error.message,
        errors: [{ message: error.message, domain: "global", reason: error.reason }],
      },
    });
  }

  function sendMedia(
    request: IncomingMessage,
    response: ServerResponse,
    object: StoredObject,
  ): void {
    const size = object.data.length;
    const headers: Record<string, string> = {
      "content-type": object.contentType,
      "x-goog-hash": `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      "x-goog-generation": object.generation,
      "x-goog-metageneration": String(object.metageneration),
      "x-goog-stored-content-length": String(size),
      "x-goog-stored-content-encoding": "identity",
      "accept-ranges": "bytes",
      etag: `"${object.md5Hash}"`,
      "last-modified": object.updated.toUTCString(),
    };
    const range = request.headers.range;
    if (range === undefined) {
      response.writeHead(200, { ...headers, "content-length": String(size) });
      response.end(object.data);
      return;
    }
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start: number;
    let end: number;
    if (!match || (match[1] === "" && match[2] === "")) {
      response.writeHead(200, { ...headers, "content-length": String(size) });
      response.end(object.data);
      return;
    }
    if (match[1] === "") {
      start = Math.max(0, size - Number(match[2]));
      end = size - 1;
    } else {
      start = Number(match[1]);
      end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    }
    if (start >= size || start > end) {
      const error = new GoogleError(
        416,
        "requestedRangeNotSatisfiable",
        "The requested range cannot be satisfied.",
      );
      sendError(response, error);
      return;
    }
    response.writeHead(206, {
      ...headers,
      "content-range": `bytes ${start}-${end}/${size}`,
      "content-length": String(end - start + 1),
    });
    response.end(object.data.subarray(start, end + 1));
  }

  function list(bucket: Bucket, query: URLSearchParams): Record<string, unknown> {
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const startOffset = query.get("startOffset");
    const endOffset = query.get("endOffset");
    const maxResults = Math.min(Number(query.get("maxResults") ?? 1000) || 1000, 1000);
    const token = query.get("pageToken");
    const after = token === null ? undefined : Buffer.from(token, "base64url").toString("utf8");
    const names = [...bucket.objects.keys()]
      .filter(
        (name) =>
          name.startsWith(prefix) &&
          (startOffset === null || name >= startOffset) &&
          (endOffset === null || name < endOffset),
      )
      .sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
    // Objects and prefixes in one ordered sequence; a page holds up to maxResults of both.
    const entries: { key: string; prefix: boolean }[] = [];
    const seenPrefixes = new Set<string>();
    for (const name of names) {
      const rest = name.slice(prefix.length);
      const cut = delimiter === "" ? -1 : rest.indexOf(delimiter);
      if (cut >= 0) {
        const folder = prefix + rest.slice(0, cut + delimiter.length);
        if (!seenPrefixes.has(folder)) {
          seenPrefixes.add(folder);
          entries.push({ key: folder, prefix: true });
        }
      } else {
        entries.push({ key: name, prefix: false });
      }
    }
    const remaining = after === undefined ? entries : entries.filter((entry) => entry.key > after);
    const page = remaining.slice(0, maxResults);
    const items = page.filter((entry) => !entry.prefix);
    const prefixes = page.filter((entry) => entry.prefix).map((entry) => entry.key);
    const last = page.at(-1);
    return {
      kind: "storage#objects",
      ...(remaining.length > page.length && last
        ? { nextPageToken: Buffer.from(last.key).toString("base64url") }
        : {}),
      ...(prefixes.length > 0 ? { prefixes } : {}),
      ...(items.length > 0
        ? {
            items: items.map((entry) =>
              objectResource(bucket.objects.get(entry.key) as StoredObject, ""),
            ),
          }
        : {}),
    };
  }

  /** A resumable session's PUT: a chunk, the last chunk, or a status query. */
  async function putSession(
    request: IncomingMessage,
    response: ServerResponse,
    session: UploadSession,
    origin: string,
  ): Promise<void> {
    const header = request.headers["content-range"] ?? "bytes */*";
    const match = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(header.trim());
    if (!match) {
      await readBody(request);
      throw new GoogleError(400, "invalid", `Failed to parse Content-Range header.`);
    }
    const total = match[3] === "*" ? undefined : Number(match[3]);
    if (session.result) {
      await readBody(request);
      sendJson(response, 200, objectResource(session.result, origin));
      return;
    }
    const bucket = bucketNamed(session.bucket);
    if (match[1] !== undefined) {
      const start = Number(match[1]);
      if (start > session.persisted) {
        await readBody(request);
        throw new GoogleError(
          400,
          "invalid",
          `Invalid request. According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${session.persisted} byte(s).`,
        );
      }
      // Bytes already persisted are skipped; a cut request keeps what arrived, in whole 256 KiB.
      let offset = start;
      const received: Buffer[] = [];
      let receivedBytes = 0;
      const complete = await new Promise<boolean>((resolve) => {
        request.on("data", (chunk: Buffer) => {
          received.push(chunk);
          receivedBytes += chunk.length;
        });
        request.on("end", () => resolve(true));
        request.on("aborted", () => resolve(false));
        request.on("error", () => resolve(false));
      });
      const data = Buffer.concat(received, receivedBytes);
      const fresh = data.subarray(Math.max(0, session.persisted - offset));
      offset = Math.max(offset, session.persisted);
      const isLast =
        complete && (match[2] === "*" || (total !== undefined && start + data.length === total));
      if (isLast) {
        session.chunks.push(fresh);
        session.persisted += fresh.length;
      } else {
        const keep =
          Math.floor((session.persisted + fresh.length) / CHUNK_GRANULARITY) * CHUNK_GRANULARITY;
        const kept = Math.max(0, keep - session.persisted);
        session.chunks.push(fresh.subarray(0, kept));
        session.persisted += kept;
      }
      if (!complete) return;
      if (!isLast) {
        response.writeHead(308, {
          ...(session.persisted > 0 ? { range: `bytes=0-${session.persisted - 1}` } : {}),
          "content-length": "0",
        });
        response.end();
        return;
      }
    } else {
      await readBody(request);
      if (total === undefined || total !== session.persisted) {
        response.writeHead(308, {
          ...(session.persisted > 0 ? { range: `bytes=0-${session.persisted - 1}` } : {}),
          "content-length": "0",
        });
        response.end();
        return;
      }
    }
    const data = Buffer.concat(session.chunks, session.persisted);
    const object = commit(
      bucket,
      session.name,
      data,
      session.metadata,
      session.preconditions,
      parseGoogHash(request.headers["x-goog-hash"]),
    );
    session.result = object;
    session.chunks = [];
    sendJson(response, 200, objectResource(object, origin));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://emulator");
    const origin = `http://${request.headers.host ?? "127.0.0.1"}`;
    const query = url.searchParams;
    const method = request.method ?? "GET";
    let segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    let area: "api" | "upload" | "download" = "api";
    if (segments[0] === "upload" || segments[0] === "download") {
      area = segments[0];
      segments = segments.slice(1);
    }
    if (segments[0] === "storage" && segments[1] === "v1") segments = segments.slice(2);
    const [b, bucketName, o, ...rest] = segments;
    if (b !== "b") throw new GoogleError(404, "notFound", "Not Found");

    if (bucketName === undefined || bucketName === "") {
      if (method === "POST") {
        const body = parseJson(await readBody(request));
        const name = body.name;
        if (typeof name !== "string" || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) {
          throw new GoogleError(400, "invalid", "Invalid bucket name.");
        }
        if (buckets.has(name)) {
          throw new GoogleError(
            409,
            "conflict",
            "Your previous request to create the named bucket succeeded and you already own it.",
          );
        }
        createBucket(name);
        sendJson(response, 200, { kind: "storage#bucket", name, id: name });
        return;
      }
      throw new GoogleError(404, "notFound", "Not Found");
    }
    const bucket = bucketNamed(bucketName);

    if (o === undefined) {
      if (method === "GET") {
        sendJson(response, 200, {
          kind: "storage#bucket",
          id: bucket.name,
          name: bucket.name,
          location: "US",
          storageClass: "STANDARD",
          timeCreated: bucket.created.toISOString(),
          updated: bucket.created.toISOString(),
          metageneration: "1",
        });
        return;
      }
      throw new GoogleError(404, "notFound", "Not Found");
    }
    if (o !== "o") throw new GoogleError(404, "notFound", "Not Found");

    if (area === "upload") {
      if (rest.length > 0) throw new GoogleError(404, "notFound", "Not Found");
      const uploadId = query.get("upload_id");
      if (uploadId !== null) {
        const session = sessions.get(uploadId);
        if (!session) {
          await readBody(request);
          throw new GoogleError(404, "notFound", "No such upload session.");
        }
        if (method === "DELETE") {
          sessions.delete(uploadId);
          response.writeHead(499, { "content-length": "0" });
          response.end();
          return;
        }
        try {
          await putSession(request, response, session, origin);
        } finally {
          if (session.result) sessions.delete(uploadId);
        }
        return;
      }
      if (method !== "POST") throw new GoogleError(405, "invalid", "Method not allowed.");
      const uploadType = query.get("uploadType") ?? "media";
      const body = await readBody(request);
      if (uploadType === "resumable") {
        const metadata = parseJson(body);
        const name = query.get("name") ?? (metadata.name as string | undefined);
        if (typeof name !== "string" || name === "") {
          throw new GoogleError(400, "required", "Required");
        }
        const id = randomUUID().replace(/-/g, "");
        sessions.set(id, {
          id,
          bucket: bucket.name,
          name,
          metadata,
          preconditions: new URLSearchParams(query),
          chunks: [],
          persisted: 0,
        });
        const location = `${origin}/upload/storage/v1/b/${encodeURIComponent(bucket.name)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
        response.writeHead(200, { location, "content-length": "0" });
        response.end();
        return;
      }
      let metadata: Record<string, unknown> = {};
      let data = body;
      if (uploadType === "multipart") {
        const [metadataPart, mediaPart] = parseMultipart(
          body,
          request.headers["content-type"] ?? "",
        );
        metadata = parseJson(metadataPart?.data ?? Buffer.alloc(0));
        data = mediaPart?.data ?? Buffer.alloc(0);
        if (metadata.contentType === undefined && mediaPart?.headers["content-type"]) {
          metadata.contentType = mediaPart.headers["content-type"];
        }
      } else if (uploadType === "media") {
        metadata = { contentType: request.headers["content-type"] };
      } else {
        throw new GoogleError(400, "invalid", `Invalid upload type "${uploadType}".`);
      }
      const name = query.get("name") ?? (metadata.name as string | undefined);
      if (typeof name !== "string" || name === "") {
        throw new GoogleError(400, "required", "Required");
      }
      const object = commit(
        bucket,
        name,
        data,
        metadata,
        query,
        parseGoogHash(request.headers["x-goog-hash"]),
      );
      sendJson(response, 200, objectResource(object, origin));
      return;
    }

    const objectName = rest[0];
    if (objectName === undefined) {
      if (method !== "GET") throw new GoogleError(405, "invalid", "Method not allowed.");
      sendJson(response, 200, list(bucket, query));
      return;
    }
    if (rest.length === 6 && (rest[1] === "rewriteTo" || rest[1] === "copyTo")) {
      if (method !== "POST") throw new GoogleError(405, "invalid", "Method not allowed.");
      const body = parseJson(await readBody(request));
      const source = objectNamed(bucket, objectName, new URLSearchParams());
      checkPreconditions(source, query, "Source");
      const sourceGeneration = query.get("sourceGeneration");
      if (sourceGeneration !== null && sourceGeneration !== source.generation) {
        throw new GoogleError(404, "notFound", `No such object: ${bucket.name}/${objectName}`);
      }
      const [, , b2, destinationBucketName, o2, destinationName] = rest;
      if (b2 !== "b" || o2 !== "o" || !destinationBucketName || !destinationName) {
        throw new GoogleError(404, "notFound", "Not Found");
      }
      const destinationBucket = bucketNamed(destinationBucketName);
      const copied = commit(
        destinationBucket,
        destinationName,
        source.data,
        {
          contentType: source.contentType,
          ...(source.metadata ? { metadata: source.metadata } : {}),
          ...body,
        },
        query,
        {},
      );
      const resource = objectResource(copied, origin);
      if (rest[1] === "copyTo") {
        sendJson(response, 200, resource);
      } else {
        sendJson(response, 200, {
          kind: "storage#rewriteResponse",
          totalBytesRewritten: String(copied.data.length),
          objectSize: String(copied.data.length),
          done: true,
          resource,
        });
      }
      return;
    }
    if (rest.length !== 1) throw new GoogleError(404, "notFound", "Not Found");

    if (method === "DELETE") {
      const object = objectNamed(bucket, objectName, query);
      checkPreconditions(object, query);
      bucket.objects.delete(objectName);
      response.writeHead(204, { "content-length": "0" });
      response.end();
      return;
    }
    if (method !== "GET") throw new GoogleError(405, "invalid", "Method not allowed.");
    const object = objectNamed(bucket, objectName, query);
    checkPreconditions(object, query);
    if (area === "download" || query.get("alt") === "media") {
      sendMedia(request, response, object);
      return;
    }
    sendJson(response, 200, objectResource(object, origin));
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://emulator");
    const record: GcsRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      status: 0,
    };
    requests.push(record);
    response.on("finish", () => {
      record.status = response.statusCode;
    });
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      request.resume();
      sendError(
        response,
        error instanceof GoogleError
          ? error
          : new GoogleError(500, "backendError", "We encountered an internal error."),
      );
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    requests,
    createBucket,
    generations: (bucket, name) => [...(history.get(`${bucket}/${name}`) ?? [])],
    openSessions: () => sessions.size,
    corruptUploads: (count) => {
      uploadsToCorrupt = count;
    },
    stop: () => closeServer(server),
  };
}
