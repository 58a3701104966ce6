import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { InvalidProjectConfigError } from "../errors/index.js";
import { importModule, type RegisteredModule } from "./register-integration.js";
import { isPathSpecifier, splitPackageSpecifier } from "./resolve-package.js";

/** The name of the project configuration file the CLI reads. */
const projectConfigFileName = "tessera.config.json";

const projectConfigSchema = z
  .object({
    /** An optional JSON Schema reference, for editors. */
    $schema: z.string().optional(),
    /**
     * Modules whose block classes the CLI loads: paths relative to the configuration file
     * (`./src/blocks.mjs`) or names of packages installed in the project (`@acme/blocks`).
     */
    modules: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** A project configuration file, as read. */
export interface ProjectConfig {
  /** The configuration file. */
  file: string;
  /** Its folder: relative paths and package names are resolved from here. */
  directory: string;
  /** The modules to load, as written. */
  modules: string[];
}

/**
 * The project configuration that applies in `from` (the current folder by default): the nearest
 * `tessera.config.json` in it or a folder above it, or undefined when there is none. Throws
 * `INVALID_PROJECT_CONFIG` when the file is malformed, or is owned by another user or writable by
 * others than its owner (it names code to run, so only the user who runs Tessera may change it).
 */
export function findProjectConfig(from: string = process.cwd()): ProjectConfig | undefined {
  for (let directory = resolve(from); ; directory = dirname(directory)) {
    const file = join(directory, projectConfigFileName);
    const text = readOwnedFile(file);
    if (text !== undefined) return parseProjectConfig(file, text);
    if (dirname(directory) === directory) return undefined;
  }
}

function readOwnedFile(file: string): string | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) return undefined;
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
      throw new InvalidProjectConfigError({
        file,
        problem: `is owned by another user (uid ${stats.uid}), and it names code Tessera runs. Make it yours (chown) or remove it.`,
      });
    }
    if (process.platform !== "win32" && (stats.mode & 0o022) !== 0) {
      throw new InvalidProjectConfigError({
        file,
        problem: `can be changed by other users (mode ${(stats.mode & 0o777).toString(8)}), and it names code Tessera runs. Run chmod go-w ${file}.`,
      });
    }
    return readFileSync(descriptor, "utf8");
  } finally {
    closeSync(descriptor);
  }
}

function parseProjectConfig(file: string, text: string): ProjectConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidProjectConfigError({
      file,
      problem: `is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix it, for example { "modules": ["./blocks.mjs"] }.`,
    });
  }
  const parsed = projectConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "the file"}: ${issue.message}`)
      .join("; ");
    throw new InvalidProjectConfigError({
      file,
      problem: `has an unexpected shape (${problems}). It holds { "modules": ["./blocks.mjs", "@acme/blocks"] }.`,
    });
  }
  for (const module of parsed.data.modules) {
    if (!isPathSpecifier(module) && splitPackageSpecifier(module) === undefined) {
      throw new InvalidProjectConfigError({
        file,
        problem: `lists "${module}", which is neither a path (./blocks.mjs) nor a package name (@acme/blocks).`,
      });
    }
  }
  return { file, directory: dirname(file), modules: parsed.data.modules };
}

/** What `loadProjectModules` loaded. */
export interface LoadedProjectModules {
  /** The configuration file, or undefined when there is none. */
  config: ProjectConfig | undefined;
  /** What each listed module registered, in the order listed. */
  modules: RegisteredModule[];
}

let loading: Promise<LoadedProjectModules> | undefined;

/**
 * Imports the modules listed in the project configuration (see `findProjectConfig`) once per
 * process and registers the block classes they export. Nothing is recorded in a store.
 */
export function loadProjectModules(): Promise<LoadedProjectModules> {
  loading ??= (async () => {
    const config = findProjectConfig();
    if (config === undefined) return { config, modules: [] };
    const modules: RegisteredModule[] = [];
    for (const module of config.modules) {
      modules.push(await importModule(module, config.directory));
    }
    return { config, modules };
  })();
  return loading;
}
