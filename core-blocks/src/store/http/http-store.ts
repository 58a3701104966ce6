/**
 * The HTTP client of `tessera server`: the `BlockStore` contract over the server's API, for
 * workers that must not hold database credentials. It loads no database driver.
 *
 * What crosses the wire is what the other backends store: secret fields as ciphertext and data
 * keys wrapped by a master key. Encryption happens above the backends, so a process using this
 * store that holds a master key decrypts with it exactly as over SQLite or PostgreSQL. A process
 * that holds none asks the server to generate and unwrap data keys (`generateDataKey`,
 * `decryptDataKey`), and still seals and opens values itself.
 *
 * Actors: the server records who wrote each revision as `token:<the token's name>`; the actor a
 * write gives here is checked (1–200 characters) but never sent.
 */

import { formatSlug } from "../../block/slug.js";
import {
  DatabaseUnavailableError,
  DocumentTooLargeError,
  InvalidInputError,
  StoreClosedError,
  TesseraError,
} from "../../errors/index.js";
import { checkActor } from "../actor.js";
import type {
  BlockStore,
  BlockTypeRecord,
  DocumentRef,
  DocumentSummary,
  ListDocumentsOptions,
  MasterKeyRecord,
  Page,
  RevisionSummary,
  StoreChange,
  StoredDocument,
  StoreLimits,
  StoreWatch,
  WatchOptions,
  WrappedDataKey,
} from "../block-store.js";
import { resyncChange } from "../block-store.js";
import { ChangeQueue } from "../change-queue.js";
import { errorFromBody } from "./http-errors.js";
import { readServerSentEvents, type ServerSentEvent } from "./sse-reader.js";

/** Settings of `openHttpStore`. */
export interface HttpStoreOptions {
  /** The server's URL, such as `https://blocks.internal:8470`. */
  url: string;
  /**
   * The API token, sent as `Authorization: Bearer …`.
   * @default undefined (no token)
   */
  apiKey?: string;
}

/** A data key in clear as the server sends it: its id (hex) and its 32 bytes (base64). */
interface DataKeyInClear {
  dataKeyId: string;
  plaintext: string;
}

/** A `BlockStore` served by `tessera server`. */
export interface HttpBlockStore extends BlockStore {
  readonly kind: "http";
  watch(options?: WatchOptions): Promise<StoreWatch>;
  /**
   * A new data key from the server: wrapped under its current master key, and in clear (needs a
   * `write` or `admin` token). For processes that hold no master key.
   */
  generateDataKey(): Promise<DataKeyInClear & { dataKey: WrappedDataKey }>;
  /**
   * The data key of document `documentId` in clear, unwrapped by the server from `dataKey` (the
   * wrapped key loaded with the document; without it, the document's own), for a `reveal` or
   * `admin` token. For processes that hold no master key.
   */
  decryptDataKey(documentId: string, dataKey?: WrappedDataKey): Promise<DataKeyInClear>;
}

interface Answer {
  status: number;
  body: unknown;
  error?: TesseraError;
}

const encode = encodeURIComponent;

function refPath(ref: DocumentRef): string {
  return "id" in ref
    ? `/v1/document-ids/${encode(ref.id)}`
    : `/v1/documents/${encode(ref.type)}/${encode(ref.name)}`;
}

function conditionHeaders(expectedRevision: number | undefined): Record<string, string> {
  if (expectedRevision === undefined) return {};
  return expectedRevision === 0
    ? { "if-none-match": "*" }
    : { "if-match": `"${expectedRevision}"` };
}

/**
 * Opens the store a `tessera server` serves at `url`: asks the server for its limits, so a server
 * that cannot be reached fails here (`DATABASE_UNAVAILABLE`) rather than at the first save.
 */
export async function openHttpStore(options: HttpStoreOptions): Promise<HttpBlockStore> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    base = new URL("invalid:");
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new InvalidInputError({
      subject: "TESSERA_API_URL",
      message:
        "The server URL must be an http:// or https:// URL (https://host:8470); its value is not shown.",
    });
  }
  const root = `${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, "")}`;
  const location = root;
  const authorization: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : {};
  let closed = false;
  const watches = new Set<ChangeQueue>();

  async function send(
    method: string,
    path: string,
    init: { json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    if (closed) throw new StoreClosedError({ location });
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: {
          ...authorization,
          ...(init.json === undefined ? {} : { "content-type": "application/json" }),
          ...init.headers,
        },
        ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new DatabaseUnavailableError({
        location,
        driverCode: cause?.code ?? "FETCH_FAILED",
        advice: "Check that the server is running and reachable (TESSERA_API_URL), then retry.",
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const described = (body as { error?: { code?: unknown; message?: unknown } } | undefined)
      ?.error;
    if (response.status >= 400) {
      const error =
        described && typeof described.code === "string" && typeof described.message === "string"
          ? errorFromBody(described as { code: string; message: string })
          : new DatabaseUnavailableError({
              location,
              driverCode: `HTTP_${response.status}`,
              advice:
                "Check that TESSERA_API_URL points at a tessera server (not a proxy's error page), then retry.",
            });
      return { status: response.status, body, error };
    }
    return { status: response.status, body };
  }

  /** The answer's body; a refusal throws its error. */
  async function call<T>(
    method: string,
    path: string,
    init?: { json?: unknown; headers?: Record<string, string> },
  ): Promise<T> {
    const answer = await send(method, path, init);
    if (answer.error) throw answer.error;
    return answer.body as T;
  }

  /** Like `call`, but a 404 answers `undefined`. */
  async function find<T>(path: string, code: string): Promise<T | undefined> {
    const answer = await send("GET", path);
    if (answer.error?.code === code) return undefined;
    if (answer.error) throw answer.error;
    return answer.body as T;
  }

  const info = await call<{ limits: StoreLimits; watch: boolean }>("GET", "/v1/store");
  const limits: StoreLimits = Object.freeze({ ...info.limits });

  async function openFeed(options: WatchOptions, signal: AbortSignal) {
    const query = new URLSearchParams();
    for (const slug of options.slugs ?? []) query.append("slug", slug);
    for (const type of options.types ?? []) query.append("type", type);
    const search = query.size > 0 ? `?${query}` : "";
    const response = await fetch(`${root}/v1/changes${search}`, {
      headers: { ...authorization, accept: "text/event-stream" },
      signal,
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => undefined)) as
        | { error?: { code: string; message: string } }
        | undefined;
      throw body?.error
        ? errorFromBody(body.error)
        : new DatabaseUnavailableError({ location, driverCode: `HTTP_${response.status}` });
    }
    const events = readServerSentEvents(response.body);
    const first = await events.next();
    if (first.done || first.value.event !== "ready") {
      throw new DatabaseUnavailableError({ location, driverCode: "WATCH_NOT_READY" });
    }
    return events;
  }

  const store: HttpBlockStore = {
    kind: "http",
    location,
    limits,

    async get(ref, options = {}) {
      const query = options.revision === undefined ? "" : `?revision=${options.revision}`;
      return find<StoredDocument>(`${refPath(ref)}${query}`, "BLOCK_NOT_FOUND");
    },

    async getMany(ids) {
      const found = new Map<string, StoredDocument>();
      if (ids.length === 0) return found;
      const { items } = await call<{ items: StoredDocument[] }>("POST", "/v1/document-ids", {
        json: { ids },
      });
      for (const document of items) found.set(document.id, document);
      return found;
    },

    async put(input) {
      // The server records the actor (the name of this store's token): one given here is checked
      // like every store checks it, and never sent.
      checkActor(input.actor);
      const {
        type,
        name,
        expectedRevision,
        overwrite,
        actor: _recordedByServer,
        ...fields
      } = input;
      const answer = await send("PUT", `/v1/documents/${encode(type)}/${encode(name)}`, {
        json: { ...fields, ...(overwrite === undefined ? {} : { overwrite }) },
        headers: conditionHeaders(expectedRevision),
      });
      if (answer.error?.code === "REQUEST_TOO_LARGE") {
        throw new DocumentTooLargeError({
          slug: formatSlug(type, name),
          size: Buffer.byteLength(JSON.stringify(input.data)),
          limit: limits.maxDocumentBytes,
        });
      }
      if (answer.error) throw answer.error;
      return answer.body as StoredDocument;
    },

    async rollback(ref, revision, options = {}) {
      checkActor(options.actor);
      return call<StoredDocument>("POST", `${refPath(ref)}/rollback`, {
        json: { revision },
        headers: conditionHeaders(options.expectedRevision),
      });
    },

    async rename(ref, newName, options = {}) {
      checkActor(options.actor);
      return call<StoredDocument>("POST", `${refPath(ref)}/rename`, {
        json: { name: newName },
        headers: conditionHeaders(options.expectedRevision),
      });
    },

    async delete(ref, options = {}) {
      const answer = await send("DELETE", `${refPath(ref)}${options.force ? "?force=true" : ""}`);
      if (answer.error?.code === "BLOCK_NOT_FOUND") return false;
      if (answer.error) throw answer.error;
      return true;
    },

    async list(options: ListDocumentsOptions = {}) {
      const query = new URLSearchParams();
      if (options.type !== undefined) query.set("type", options.type);
      if (options.limit !== undefined) query.set("limit", String(options.limit));
      if (options.cursor !== undefined) query.set("cursor", options.cursor);
      const search = query.size > 0 ? `?${query}` : "";
      return call<Page<DocumentSummary>>("GET", `/v1/documents${search}`);
    },

    async history(ref) {
      return (await call<{ items: RevisionSummary[] }>("GET", `${refPath(ref)}/history`)).items;
    },

    async referrers(id) {
      const path = `/v1/document-ids/${encode(id)}/referrers`;
      return (await call<{ items: DocumentSummary[] }>("GET", path)).items;
    },

    async putBlockType(record: BlockTypeRecord) {
      await call("PUT", `/v1/block-types/${encode(record.type)}`, { json: record });
    },

    async getBlockType(type) {
      return find<BlockTypeRecord>(`/v1/block-types/${encode(type)}`, "UNKNOWN_BLOCK_TYPE");
    },

    async listBlockTypes() {
      return (await call<{ items: BlockTypeRecord[] }>("GET", "/v1/block-types")).items;
    },

    async listDataKeys(options) {
      const query = new URLSearchParams({ notMasterKeyId: options.notMasterKeyId });
      if (options.afterId !== undefined) query.set("afterId", options.afterId);
      if (options.limit !== undefined) query.set("limit", String(options.limit));
      const path = `/v1/data-keys?${query}`;
      return (await call<{ items: Array<{ id: string; dataKey: WrappedDataKey }> }>("GET", path))
        .items;
    },

    async replaceDataKey(id, expected, next) {
      const path = `/v1/document-ids/${encode(id)}/data-key`;
      return (await call<{ replaced: boolean }>("POST", path, { json: { expected, next } }))
        .replaced;
    },

    async listMasterKeys() {
      return (await call<{ items: MasterKeyRecord[] }>("GET", "/v1/master-keys")).items;
    },

    async setCurrentMasterKey(id, options = {}) {
      const json =
        options.expectedCurrent === undefined
          ? { id }
          : { id, expectedCurrent: options.expectedCurrent };
      return (await call<{ changed: boolean }>("PUT", "/v1/master-keys/current", { json })).changed;
    },

    async generateDataKey() {
      return call<DataKeyInClear & { dataKey: WrappedDataKey }>("POST", "/v1/data-keys/generate", {
        json: {},
      });
    },

    async decryptDataKey(documentId, dataKey) {
      const path = `/v1/document-ids/${encode(documentId)}/data-key/decrypt`;
      return call<DataKeyInClear>("POST", path, { json: dataKey ? { dataKey } : {} });
    },

    async getMeta(key) {
      return (await call<{ value?: string }>("GET", `/v1/meta/${encode(key)}`)).value;
    },

    async setMeta(key, value, options) {
      const expected = options?.expected;
      const answer = await call<{ written: boolean }>("PUT", `/v1/meta/${encode(key)}`, {
        json: expected === undefined ? { value } : { value, expected },
      });
      return answer.written;
    },

    /**
     * The server's change feed (Server-Sent Events). A lost connection is made again, with a
     * `resync` marker, since changes may have been missed meanwhile.
     */
    async watch(options: WatchOptions = {}) {
      if (closed) throw new StoreClosedError({ location });
      const controller = new AbortController();
      const queue = new ChangeQueue(options, async () => {
        watches.delete(queue);
        controller.abort();
      });
      let events: AsyncGenerator<ServerSentEvent>;
      try {
        events = await openFeed(options, controller.signal);
      } catch (error) {
        if (TesseraError.isInstance(error)) throw error;
        const cause = (error as { cause?: { code?: string } }).cause;
        throw new DatabaseUnavailableError({
          location,
          driverCode: cause?.code ?? "FETCH_FAILED",
        });
      }
      watches.add(queue);
      void (async () => {
        for (;;) {
          try {
            for await (const event of events) {
              if (event.event === "change") queue.push(JSON.parse(event.data) as StoreChange);
            }
          } catch {
            // Closed (aborted) or the connection was lost: see below.
          }
          let delay = 100;
          for (;;) {
            if (controller.signal.aborted) return;
            await new Promise((resolve) => setTimeout(resolve, delay));
            if (controller.signal.aborted) return;
            try {
              events = await openFeed(options, controller.signal);
              queue.push(resyncChange);
              break;
            } catch {
              delay = Math.min(delay * 2, 5000);
            }
          }
        }
      })();
      return queue;
    },

    async close() {
      if (closed) return;
      await Promise.all([...watches].map((watch) => watch.close()));
      closed = true;
    },
  };
  return store;
}
