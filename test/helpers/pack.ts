import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type PackageJson, readPackageJson, repositoryRoot } from "./workspace.js";

const tsdownBin = join(repositoryRoot, "core-blocks", "node_modules", ".bin", "tsdown");

/** The environment of child npm/pnpm processes: a shared cache, and Node's headers for builds. */
export function packageManagerEnvironment(cacheDirectory: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_cache: cacheDirectory,
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_update_notifier: "false",
  };
  // better-sqlite3 compiles from source against the headers of the Node.js that runs it.
  if (!environment.npm_config_nodedir && existsSync("/usr/include/node")) {
    environment.npm_config_nodedir = "/usr";
  }
  return environment;
}

function tarballPath(output: string, destination: string): string {
  const match = /([^\s/\\]+\.tgz)\s*$/m.exec(output.trim());
  if (!match?.[1]) throw new Error(`Could not find the tarball name in:\n${output}`);
  return join(destination, match[1]);
}

/**
 * Packs a workspace package with `pnpm pack`, as it would be published (`workspace:*` ranges are
 * rewritten to real versions). The package must be built already.
 */
export function packWorkspacePackage(directory: string, destination: string): string {
  if (!existsSync(join(directory, "dist"))) {
    throw new Error(`${directory} has no dist folder: build it first (pnpm run build).`);
  }
  mkdirSync(destination, { recursive: true });
  const output = execFileSync("pnpm", ["pack", "--pack-destination", destination], {
    cwd: directory,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return tarballPath(output, destination);
}

/**
 * Builds and packs a fixture integration from `test/fixtures/<name>` in a scratch folder, the way
 * its publisher would: package.json edited by `change` (to pack, say, a version with another
 * core range), the build reading that package.json, then `npm pack`.
 */
export function packFixtureIntegration(
  fixtureDirectory: string,
  scratchDirectory: string,
  destination: string,
  change: (packageJson: PackageJson) => void = () => {},
): string {
  const packageJson = readPackageJson(fixtureDirectory);
  change(packageJson);
  // Not a workspace member once copied out: no private flag, no source condition, no dev links.
  delete packageJson.private;
  delete packageJson.devDependencies;
  const exportsField = packageJson.exports as Record<string, Record<string, string>>;
  for (const entry of Object.values(exportsField)) {
    if (typeof entry === "object") delete entry["@tessera/source"];
  }
  mkdirSync(scratchDirectory, { recursive: true });
  cpSync(join(fixtureDirectory, "src"), join(scratchDirectory, "src"), { recursive: true });
  cpSync(join(fixtureDirectory, "README.md"), join(scratchDirectory, "README.md"));
  writeFileSync(join(scratchDirectory, "package.json"), JSON.stringify(packageJson, null, 2));
  // The same build settings as the real integrations (plain object: no import needed).
  writeFileSync(
    join(scratchDirectory, "tsdown.config.mjs"),
    `export default ${JSON.stringify({
      entry: ["src/index.ts"],
      format: "esm",
      platform: "node",
      target: "node20",
      dts: false,
      clean: true,
      fixedExtension: false,
      logLevel: "warn",
    })};\n`,
  );
  execFileSync(tsdownBin, [], { cwd: scratchDirectory, stdio: ["ignore", "pipe", "pipe"] });
  mkdirSync(destination, { recursive: true });
  const output = execFileSync("npm", ["pack", "--pack-destination", destination], {
    cwd: scratchDirectory,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return tarballPath(output, destination);
}

/** Reads a package.json inside an installed project's node_modules. */
export function installedPackageJson(projectDirectory: string, name: string): PackageJson {
  return JSON.parse(
    readFileSync(join(projectDirectory, "node_modules", name, "package.json"), "utf8"),
  ) as PackageJson;
}
