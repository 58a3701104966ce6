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

/** Store meta key under which `block register -f` records the module file defining a type. */
export function moduleFileKey(type: string): string {
  return `cli.module-file.${type}`;
}

/**
 * The class of a block type, importing what defines it when this process has not loaded it yet:
 * the module file recorded by `tessera block register -f`, else the package recorded with the type
 * (`registerIntegration`). `UNKNOWN_BLOCK_TYPE` with an install hint when neither is available.
 */
export async function resolveBlockClass(store: BlockStore, type: string): Promise<CliBlockClass> {
  const block = await import("../block/index.js");
  block.assertSlugPart(type, "type slug");
  let loaded = block.getBlockType(type);
  if (!loaded) {
    // Core's own block types (`secret`, `local-file-system`) register when their module loads.
    await Promise.all([import("../secret-block/index.js"), import("../results/index.js")]);
    loaded = block.getBlockType(type);
  }
  if (loaded) return loaded as unknown as CliBlockClass;
  const integration = await import("../integration/index.js");
  const file = await store.getMeta(moduleFileKey(type));
  const record = await store.getBlockType(type);
  if (file !== undefined) {
    await integration.registerModule(file, { store });
  } else if (record?.package) {
    await integration.registerIntegration(record.package.name, { store });
  }
  const found = block.getBlockType(type);
  if (found) return found as unknown as CliBlockClass;
  throw new UnknownBlockTypeError(
    type,
    record?.package
      ? { packageName: record.package.name, packageRange: `^${record.package.version}` }
      : {},
  );
}

/**
 * Makes every block type recorded with the `secret-source` capability loadable in this process
 * (importing its module or package), so a secret reference resolves even when it leads on to
 * another (`secret/db` → `aws-secret/db`). A type whose integration is not installed here is
 * skipped: resolving a reference to it then fails with an error that says what to install.
 */
export async function loadSecretSources(store: BlockStore): Promise<void> {
  const sources = (await store.listBlockTypes()).filter((record) =>
    record.capabilities.includes("secret-source"),
  );
  await Promise.all(
    sources.map((record) => resolveBlockClass(store, record.type).catch(() => undefined)),
  );
}
