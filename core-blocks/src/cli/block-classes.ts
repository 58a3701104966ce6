import { UnknownBlockTypeError } from "../errors/index.js";
import type { JsonObject } from "../schema/index.js";
import type { BlockStore } from "../store/index.js";

/** A saved or loaded block instance, as the CLI uses it. */
export interface CliBlock {
  readonly slug: string | undefined;
  readonly revision: number | undefined;
  save(name: string, options: { store: BlockStore; expectedRevision?: number }): Promise<CliBlock>;
}

/** A block class, as the CLI uses it. */
export interface CliBlockClass {
  new (input?: unknown): CliBlock;
  readonly type: string;
  readonly jsonSchema: JsonObject;
  readonly secretFields: readonly string[];
  load(name: string, options: { store: BlockStore }): Promise<CliBlock>;
}

/**
 * Store meta key under which `block register -f` records the module file defining a type. The
 * path is only ever shown as a hint: the store is data, never code, so nothing read from it is
 * imported.
 */
export function moduleFileKey(type: string): string {
  return `cli.module-file.${type}`;
}

/**
 * The class of a block type, loading what defines it when this process has not loaded it yet,
 * from what the user owns: core's own types, the modules listed in the project's
 * `tessera.config.json`, and the integration package the store records for the type when it is
 * installed where the user runs and declares itself a Tessera integration. A module path or
 * package name read from the store is never imported on its own authority.
 * `UNKNOWN_BLOCK_TYPE` saying what to install or list when the type stays unknown.
 */
export async function resolveBlockClass(store: BlockStore, type: string): Promise<CliBlockClass> {
  const block = await import("../block/index.js");
  block.assertSlugPart(type, "type slug");
  let loaded = block.getBlockType(type);
  if (!loaded) {
    // Core's own block types (`secret`, `local-file-system`, `webhook`) register when their
    // module loads.
    await Promise.all([
      import("../secret-block/index.js"),
      import("../results/index.js"),
      import("../notify/index.js"),
    ]);
    loaded = block.getBlockType(type);
  }
  if (!loaded) {
    const { loadProjectModules } = await import("../integration/project-config.js");
    await loadProjectModules();
    loaded = block.getBlockType(type);
  }
  if (!loaded) {
    const { loadRegisteredClass } = await import("../block/registry.js");
    await loadRegisteredClass(type, store);
    loaded = block.getBlockType(type);
  }
  if (loaded) return loaded as unknown as CliBlockClass;
  const record = await store.getBlockType(type);
  const file = await store.getMeta(moduleFileKey(type));
  const { closeTypes } = await import("./stored-documents.js");
  throw new UnknownBlockTypeError({
    type,
    ...(record?.package
      ? { packageName: record.package.name, packageRange: `^${record.package.version}` }
      : file !== undefined
        ? { moduleFile: file }
        : record === undefined
          ? { closeTypes: await closeTypes(store, type) }
          : {}),
  });
}

/**
 * Loads what the user's project names (the modules of `tessera.config.json`), so a secret
 * reference to a secret-source type of the user's own code resolves. Integration packages load
 * themselves when a reference needs one of their types; nothing named by the store is imported.
 */
export async function loadSecretSources(_store: BlockStore): Promise<void> {
  const { loadProjectModules } = await import("../integration/project-config.js");
  await loadProjectModules();
}
