import { isAbsolute, relative, resolve } from "node:path";
import { InvalidInputError } from "../../errors/index.js";
import { moduleFileKey } from "../block-classes.js";
import type { CliContext } from "../context.js";

/**
 * `tessera block register -m <package>` or `-f <file>`: imports what the user named, records its
 * block types (and the types nested in them) in the store. A file's path is recorded too, but only
 * as a hint for error messages: later processes load block classes from the project's
 * `tessera.config.json` and from installed integrations, never from a path read from the store.
 */
export async function registerCommand(
  context: CliContext,
  options: { module?: string; file?: string; json?: boolean },
): Promise<void> {
  if ((options.module === undefined) === (options.file === undefined)) {
    throw new InvalidInputError({
      subject: "block register",
      message:
        "Give exactly one of -m <package> (an installed integration, such as @tessera/aws) or -f <file> (a local module that exports block classes).",
    });
  }
  const store = await context.store();
  const integration = await import("../../integration/index.js");
  const registered: Array<{
    package: string | null;
    version: string | null;
    coreRange: string | null;
    types: string[];
  }> = [];
  if (options.module !== undefined) {
    const manifest = await integration.registerIntegration(options.module, { store });
    registered.push({
      package: manifest.name,
      version: manifest.version,
      coreRange: manifest.coreRange,
      types: [...manifest.blockTypes],
    });
  } else {
    const file = resolve(options.file!);
    const result = await integration.registerModule(file, { store });
    for (const type of result.blockTypes) await store.setMeta(moduleFileKey(type), file);
    const inManifests = new Set(result.integrations.flatMap((manifest) => manifest.blockTypes));
    for (const manifest of result.integrations) {
      registered.push({
        package: manifest.name,
        version: manifest.version,
        coreRange: manifest.coreRange,
        types: [...manifest.blockTypes],
      });
    }
    const loose = result.blockTypes.filter((type) => !inManifests.has(type));
    if (loose.length > 0)
      registered.push({ package: null, version: null, coreRange: null, types: loose });
  }
  const { output } = context;
  const unlisted =
    options.file !== undefined ? await unlistedInProjectConfig(resolve(options.file)) : undefined;
  if (options.json) {
    output.json(registered);
    return;
  }
  for (const entry of registered) {
    const from = entry.package
      ? `${entry.package}@${entry.version} (core ${entry.coreRange})`
      : (options.file ?? "");
    output.line(
      `Registered ${entry.types.length} block type${entry.types.length === 1 ? "" : "s"} from ${from}: ${entry.types.map((type) => output.colors.cyan(type)).join(", ")}`,
    );
  }
  if (unlisted !== undefined) {
    output.line(
      `Later commands load these types only from modules your project names: add ${JSON.stringify(unlisted)} to "modules" in tessera.config.json and run them from the project's folder.`,
    );
  }
}

/**
 * The path to suggest for `tessera.config.json` when the project configuration does not list the
 * file yet (relative to the configuration's folder, or to the current folder when there is none),
 * else undefined.
 */
async function unlistedInProjectConfig(file: string): Promise<string | undefined> {
  const { findProjectConfig } = await import("../../integration/project-config.js");
  let config: ReturnType<typeof findProjectConfig>;
  try {
    config = findProjectConfig();
  } catch {
    config = undefined;
  }
  const base = config?.directory ?? process.cwd();
  if (config?.modules.some((module) => resolve(config.directory, module) === file)) {
    return undefined;
  }
  const path = relative(base, file);
  return path.startsWith("..") || isAbsolute(path) ? file : `./${path}`;
}
