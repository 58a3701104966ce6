import { z } from "zod";
import { resolveBaseFolder } from "../results/index.js";
import { ObjectStore, type ObjectStoreWire } from "./object-store.js";

/**
 * The schema of a storage block's folder field (`bucketFolder`, `baseFolder`): a folder inside
 * the bucket or container that every path is relative to, `""` by default, refused at
 * validation when the storage path resolver would refuse it (`..`, a leading `/`, control
 * characters), so a bad folder fails where the block is made rather than at its first read.
 */
export function storageFolderField() {
  return z
    .string()
    .default("")
    .superRefine((folder, context) => {
      try {
        resolveBaseFolder(folder);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
      }
    });
}

/**
 * The `ObjectStore` of a block's current folder, made again only when the folder field changes
 * (a block's fields can be assigned after it is made). A storage block keeps one and answers
 * `[objectStoreOf]()` with `stores.for(wire, this.folder)`.
 */
export class ObjectStoreByFolder {
  #current: { folder: string; store: ObjectStore } | undefined;

  /** The store of `folder` over `wire`. */
  for(wire: ObjectStoreWire, folder: string): ObjectStore {
    if (this.#current?.folder !== folder || this.#current.store.wire !== wire) {
      this.#current = { folder, store: new ObjectStore(wire, folder) };
    }
    return this.#current.store;
  }
}
