import { Readable } from "node:stream";
import type { BlobServiceClient, BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import {
  defineBlock,
  type FileEntry,
  InvalidInputError,
  parseSlug,
  type SaveBlockOptions,
  type WritableFileSystem,
  z,
} from "@tessera/core";
import {
  abortableChunks,
  knownContentLength,
  type ListObjectsOptions,
  type ObjectEntry,
  type ObjectStore,
  ObjectStoreByFolder,
  type ObjectStoreWire,
  objectStoreOf,
  storageFolderField,
  withObjectStoreMethods,
  writableContentChunks,
} from "@tessera/core/provider";
import { AzureBlobStorageCredentials } from "./azure-blob-storage-credentials.js";
import { AzureContainerNotFoundError } from "./errors/index.js";
import { describeAzureError, translateAzureError } from "./translate-azure-error.js";

const mebibyte = 1 << 20;

/** Azure's container naming rules. */
const containerNamePattern = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const azureBlobStorageContainerSchema = z.object({
  /** The container's name (3–63 lower-case letters, digits and single hyphens). */
  containerName: z
    .string()
    .regex(
      containerNamePattern,
      "must be an Azure container name: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit",
    ),
  /** How to reach the storage account (one explicit way to authenticate). */
  credentials: AzureBlobStorageCredentials.field(),
  /**
   * The folder inside the container that every path is relative to, such as `results/prod`.
   * Joined to each path exactly once.
   * @default "" (the container's root)
   */
  baseFolder: storageFolderField(),
  /**
   * Content up to this size, when its size is known, is sent in one request; larger content and
   * streams are staged in blocks and committed. Kept small because a retried single request
   * resends the whole body.
   * @default 4194304 (4 MiB)
   */
  maxSingleShotBytes: z
    .number()
    .int()
    .min(0)
    .max(256 * mebibyte)
    .default(4 * mebibyte),
  /**
   * Bytes per staged block. An upload holds at most `blockSizeBytes × uploadConcurrency` bytes in
   * memory; a blob has at most 50,000 blocks, so 4 MiB blocks allow about 195 GiB.
   * @default 4194304 (4 MiB)
   */
  blockSizeBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(4000 * mebibyte)
    .default(4 * mebibyte),
  /** Blocks of one upload staged at the same time. @default 4 */
  uploadConcurrency: z.number().int().min(1).max(64).default(4),
  /** Blobs per listing request (Azure returns at most 5000). @default 5000 */
  listPageSize: z.number().int().min(1).max(5000).default(5000),
});

/** Options of `AzureBlobStorageContainer.copyObject` and `moveObject`. */
export interface CopyBlobOptions {
  /**
   * The container to copy into: an `AzureBlobStorageContainer` (its own folder applies to `to`),
   * or the slug of a saved one (`"azure-blob-storage-container/archive"`).
   * @default this container
   */
  toContainer?: AzureBlobStorageContainer | string;
}

/** A placeholder that tools write for a folder: `x/`, or a blob marked `hdi_isfolder=true`. */
function isFolderPlaceholder(name: string, metadata: Record<string, string> | undefined): boolean {
  if (name.endsWith("/")) return true;
  const flag = Object.entries(metadata ?? {}).find(([key]) => key.toLowerCase() === "hdi_isfolder");
  return flag?.[1]?.toLowerCase() === "true";
}

/**
 * Whether a staged upload failed only because another writer committed the same blob meanwhile:
 * Azure discards every uncommitted block of a blob when a block list is committed, so the later
 * commit of two concurrent uploads finds its blocks gone (`InvalidBlockList`). The blob then holds
 * the other writer's whole content, committed during this upload, which is what a last-writer-wins
 * upsert that ran just before it would leave: the upload counts as done and superseded.
 */
async function supersededByConcurrentCommit(
  blob: BlockBlobClient,
  etagBefore: string | undefined,
  error: unknown,
): Promise<boolean> {
  if (describeAzureError(error).code !== "InvalidBlockList") return false;
  const etagNow = await blob.getProperties().then(
    (properties) => properties.etag,
    () => undefined,
  );
  return etagNow !== undefined && etagNow !== etagBefore;
}

/**
 * `azure-blob-storage-container`: a folder of an Azure Blob Storage container as a
 * `WritableFileSystem`, usable as result storage (`new ResultStore({ storage: container })` or
 * the slug `"azure-blob-storage-container/<name>"`).
 *
 * ```ts
 * const container = new AzureBlobStorageContainer({ containerName: "results", credentials, baseFolder: "prod" });
 * await container.writePath("daily/report.json", JSON.stringify(report)); // results/prod/daily/report.json
 * ```
 *
 * `writePath` is an upsert. Small content goes in one request; larger content and streams are
 * staged in blocks and committed at the end, with bounded memory, so a failed or aborted upload
 * leaves the previous blob as it was. Listings skip folder placeholder blobs.
 */
export class AzureBlobStorageContainer
  extends withObjectStoreMethods(
    defineBlock({
      type: "azure-blob-storage-container",
      title: "Azure Blob Storage container",
      description:
        "A folder of an Azure Blob Storage container: read, write, list, copy and move blobs, and store results there.",
      capabilities: ["read-path", "write-path"],
      schema: azureBlobStorageContainerSchema,
    }),
  )
  implements WritableFileSystem
{
  readonly #stores = new ObjectStoreByFolder();
  /** Set once the container has been seen to exist (see `statObject`). */
  #containerConfirmed = false;

  /** The object store `withObjectStoreMethods` serves the file methods from. */
  [objectStoreOf](): ObjectStore {
    return this.#stores.for(this.#wire, this.baseFolder);
  }

  /**
   * Saves the block after checking its credentials' secrets (see
   * `AzureBlobStorageCredentials.save`): a malformed connection string is refused here too.
   */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    await this.credentials.checkSecrets();
    return super.save(name, options);
  }

  /** The Blob service client of this container's credentials (cached per credentials). */
  getBlobServiceClient(): Promise<BlobServiceClient> {
    return this.credentials.getBlobServiceClient();
  }

  /** The SDK's client of this container. */
  async getContainerClient(): Promise<ContainerClient> {
    return (await this.getBlobServiceClient()).getContainerClient(this.containerName);
  }

  /** Runs one Blob Storage call, turning SDK errors into Tessera errors naming the container. */
  async #call<Result>(
    operation: string,
    blob: string | undefined,
    action: (container: ContainerClient) => Promise<Result>,
  ): Promise<Result> {
    const service = await this.getBlobServiceClient();
    try {
      return await action(service.getContainerClient(this.containerName));
    } catch (error) {
      throw translateAzureError(error, {
        container: this.containerName,
        accountUrl: service.url.replace(/\/+$/, ""),
        operation,
        ...(blob === undefined ? {} : { blob }),
      });
    }
  }

  /** Azure's wire operations; everything else comes from `ObjectStore`. */
  readonly #wire: ObjectStoreWire & { container(): AzureBlobStorageContainer } = {
    container: () => this,
    describeLocation: (baseFolder) =>
      baseFolder === "" ? `az://${this.containerName}` : `az://${this.containerName}/${baseFolder}`,
    readObject: (key, { signal, notFound }) =>
      this.#call("read", key, async (container) => {
        try {
          const response = await container
            .getBlobClient(key)
            .download(0, undefined, signal ? { abortSignal: signal } : {});
          const body = response.readableStreamBody as Readable | undefined;
          return response.contentLength === undefined
            ? { body }
            : { body, contentLength: response.contentLength };
        } catch (error) {
          if (describeAzureError(error).code === "BlobNotFound") throw notFound(error);
          throw error;
        }
      }),
    writeObject: (key, content, { signal, onBytes }) =>
      this.#call("upload", key, async (container) => {
        const blob = container.getBlockBlobClient(key);
        const knownLength = knownContentLength(content);
        try {
          if (knownLength !== undefined && knownLength <= this.maxSingleShotBytes) {
            const body =
              typeof content === "string" ? Buffer.from(content) : (content as Uint8Array);
            await blob.upload(body, body.byteLength, signal ? { abortSignal: signal } : {});
            onBytes(body.byteLength);
            return;
          }
          const before = await blob.getProperties().then(
            (properties) => properties.etag,
            () => undefined,
          );
          const stream = Readable.from(abortableChunks(writableContentChunks(content), signal), {
            objectMode: false,
            highWaterMark: this.blockSizeBytes,
          });
          try {
            await blob.uploadStream(stream, this.blockSizeBytes, this.uploadConcurrency, {
              ...(signal ? { abortSignal: signal } : {}),
              onProgress: (progress) => onBytes(progress.loadedBytes),
            });
          } catch (error) {
            if (!(await supersededByConcurrentCommit(blob, before, error))) throw error;
          }
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw error;
        } finally {
          if (content instanceof Readable) content.destroy();
        }
      }),
    statObject: (key) =>
      this.#call("read properties of", key, async (container) => {
        try {
          const properties = await container.getBlobClient(key).getProperties();
          this.#containerConfirmed = true;
          return {
            key,
            size: properties.contentLength ?? 0,
            ...(properties.lastModified ? { modifiedAt: properties.lastModified } : {}),
          };
        } catch (error) {
          const { status, code } = describeAzureError(error);
          if (status !== 404 || code === "ContainerNotFound") throw error;
          // A HEAD reply has no body; where its error code header is missing, a missing container
          // also answers a bare 404: check the container once.
          if (code !== "BlobNotFound" && !this.#containerConfirmed) {
            if (!(await container.exists())) {
              throw new AzureContainerNotFoundError({
                container: this.containerName,
                accountUrl: container.url.slice(0, container.url.lastIndexOf("/")),
                cause: error,
              });
            }
            this.#containerConfirmed = true;
          }
          return undefined;
        }
      }),
    deleteObject: async (key) => {
      await this.#call("delete", key, (container) => container.getBlobClient(key).deleteIfExists());
    },
    listPage: (prefix, { delimiter, cursor, signal }) =>
      this.#call("list", prefix, async (container) => {
        const options = {
          prefix,
          includeMetadata: true,
          ...(signal ? { abortSignal: signal } : {}),
        };
        const settings = {
          maxPageSize: this.listPageSize,
          ...(cursor === undefined ? {} : { continuationToken: cursor }),
        };
        const pages =
          delimiter === undefined
            ? container.listBlobsFlat(options).byPage(settings)
            : container.listBlobsByHierarchy(delimiter, options).byPage(settings);
        const page = (await pages.next()).value;
        const entries: ObjectEntry[] = [];
        for (const item of page?.segment.blobItems ?? []) {
          if (isFolderPlaceholder(item.name, item.metadata)) continue;
          entries.push({
            key: item.name,
            size: item.properties.contentLength ?? 0,
            ...(item.properties.lastModified ? { modifiedAt: item.properties.lastModified } : {}),
          });
        }
        const nextCursor = page?.continuationToken;
        return nextCursor ? { entries, nextCursor } : { entries };
      }),
    copyObject: async (source, destinationKey, { notFound }) => {
      const sourceContainer = (
        source.wire as { container?: () => AzureBlobStorageContainer }
      ).container?.();
      if (sourceContainer === undefined) {
        throw new InvalidInputError({
          subject: "source",
          message: "Azure copies blobs only from another Azure Blob Storage container.",
        });
      }
      const sourceUrl = new URL(
        (await sourceContainer.getContainerClient()).getBlobClient(source.key).url,
      );
      const sourceSas = await sourceContainer.credentials.sasTokenInUse();
      if (sourceSas !== undefined) sourceUrl.search = `?${sourceSas}`;
      await this.#call("copy", destinationKey, async (container) => {
        try {
          const poller = await container
            .getBlobClient(destinationKey)
            .beginCopyFromURL(sourceUrl.href, { intervalInMs: 200 });
          await poller.pollUntilDone();
        } catch (error) {
          const { code } = describeAzureError(error);
          if (code === "BlobNotFound" || code === "CannotVerifyCopySource") throw notFound(error);
          throw error;
        }
      });
    },
  };

  /** The blob name of a path: base folder + resolved path. */
  blobName(path: string): string {
    return this[objectStoreOf]().objectKey(path);
  }

  /**
   * Blobs under a folder (relative to the base folder), collected: every blob at any depth, or
   * with `{ delimiter: "/" }` only those directly in it. Folder placeholder blobs are skipped.
   */
  listBlobs(folder = "", options: ListObjectsOptions = {}): Promise<FileEntry[]> {
    return this[objectStoreOf]().listObjects(folder, options);
  }

  /**
   * Copies a blob on the service side (no bytes pass through this process), within this
   * container or into `options.toContainer`. Returns the destination path.
   */
  async copyObject(from: string, to: string, options: CopyBlobOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toContainer);
    return this[objectStoreOf]().copyObject(from, to, destination[objectStoreOf]());
  }

  /** Copies a blob (see `copyObject`), then deletes the source. Returns the destination path. */
  async moveObject(from: string, to: string, options: CopyBlobOptions = {}): Promise<string> {
    const destination = await this.#destination(options.toContainer);
    return this[objectStoreOf]().moveObject(from, to, destination[objectStoreOf]());
  }

  async #destination(
    toContainer: AzureBlobStorageContainer | string | undefined,
  ): Promise<AzureBlobStorageContainer> {
    if (toContainer === undefined) return this;
    if (typeof toContainer !== "string") return toContainer;
    const { type, name } = parseSlug(toContainer);
    if (type !== AzureBlobStorageContainer.type) {
      throw new InvalidInputError({
        subject: "toContainer",
        message: `"${toContainer}" is not an azure-blob-storage-container slug. Give an AzureBlobStorageContainer or a slug such as "azure-blob-storage-container/archive".`,
      });
    }
    return AzureBlobStorageContainer.load(name);
  }
}
