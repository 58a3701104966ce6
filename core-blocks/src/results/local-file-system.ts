import type { Readable } from "node:stream";
import { z } from "zod";
import { defineBlock, registerBlockType } from "../block/index.js";
import { LocalFileStorage } from "./local-file-storage.js";
import type {
  FileEntry,
  ReadPathOptions,
  WritableContent,
  WritableFileSystem,
  WritePathOptions,
} from "./writable-file-system.js";

const storages = new WeakMap<object, { basePath: string; storage: LocalFileStorage }>();

/**
 * Files in a folder on this machine (block type `local-file-system`, capabilities `read-path` and
 * `write-path`). Writes are atomic: a temporary file beside the target is written, fsynced and
 * renamed over it, and the folder is fsynced, so a reader sees the old file or the whole new one.
 * Content streams through in chunks, so memory stays bounded whatever the size.
 *
 * ```ts
 * const results = new LocalFileSystem({ basePath: "/var/lib/pipeline/results" });
 * await results.writePath("daily/2024-06-01.json", JSON.stringify(report));
 * await results.save("results");        // later: await LocalFileSystem.load("results")
 * ```
 */
export class LocalFileSystem
  extends defineBlock({
    type: "local-file-system",
    title: "Local file system",
    description:
      "A folder on this machine that stores files and results. Writes are atomic and streamed.",
    capabilities: ["read-path", "write-path"],
    schema: z.object({
      /**
       * Folder that holds the files. A relative path is resolved against the working directory
       * of the process that uses the block.
       */
      basePath: z.string().min(1),
    }),
  })
  implements WritableFileSystem
{
  private storage(): LocalFileStorage {
    // Built on first use and again if `basePath` is changed on the instance.
    const cached = storages.get(this);
    if (cached && cached.basePath === this.basePath) return cached.storage;
    const storage = new LocalFileStorage(this.basePath);
    storages.set(this, { basePath: this.basePath, storage });
    return storage;
  }

  /** The whole content of a path. `FILE_NOT_FOUND` when absent. */
  readPath(path: string, options?: ReadPathOptions): Promise<Uint8Array> {
    return this.storage().readPath(path, options);
  }

  /** A stream of a path's content. `FILE_NOT_FOUND` when absent. */
  createReadStream(path: string, options?: ReadPathOptions): Promise<Readable> {
    return this.storage().createReadStream(path, options);
  }

  /** Writes a path atomically, replacing what is there; returns the resolved key. */
  writePath(path: string, content: WritableContent, options?: WritePathOptions): Promise<string> {
    return this.storage().writePath(path, content, options);
  }

  /** Whether a file exists at a path. */
  exists(path: string): Promise<boolean> {
    return this.storage().exists(path);
  }

  /** Deletes a file; false when there was none. Folders left empty are removed. */
  delete(path: string): Promise<boolean> {
    return this.storage().delete(path);
  }

  /** Every file under a prefix, in key order. */
  list(prefix?: string): AsyncIterable<FileEntry> {
    return this.storage().list(prefix);
  }
}

// Register the subclass (with its methods) now, so `loadBlock("local-file-system/…")` in a fresh
// process builds a LocalFileSystem rather than the bare defined class.
registerBlockType(LocalFileSystem);
