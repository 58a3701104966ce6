import type { BlockStore, PutDocumentInput, RevisionWriteOptions } from "../store/index.js";

/**
 * `store` as one request writes to it: every revision it writes (save, rollback, rename) records
 * `actor`, or no actor when `undefined`, whatever actor the caller gave. The server hands this to
 * its write routes, so a revision names the request's token and never what a body claims.
 * Everything else is the store itself.
 */
export function storeWritingAs(store: BlockStore, actor: string | undefined): BlockStore {
  const withActor = <T extends { actor?: string }>(options: T): T => {
    const { actor: _claimed, ...rest } = options;
    return (actor === undefined ? rest : { ...rest, actor }) as T;
  };
  const writes: Pick<BlockStore, "put" | "rollback" | "rename"> = {
    put: (input: PutDocumentInput) => store.put(withActor(input)),
    rollback: (ref, revision, options: RevisionWriteOptions = {}) =>
      store.rollback(ref, revision, withActor(options)),
    rename: (ref, newName, options: RevisionWriteOptions = {}) =>
      store.rename(ref, newName, withActor(options)),
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(writes, property)) return writes[property as keyof typeof writes];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
