import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { IntegrationNotFoundError, InvalidIntegrationError } from "../errors/index.js";

/** The conditions an ESM import by Node uses, in the order Node's resolver honours them. */
const importConditions = new Set(["node", "import", "default"]);

/** Where a package name (or a path) resolves to, ready for `import()`. */
export interface ResolvedModule {
  /** The file to import. */
  file: string;
  /** The `file:` URL of that file. */
  url: string;
  /** The package's folder, when the specifier named a package. */
  packageDirectory?: string;
}

/** True when the specifier is a path (relative, absolute or a `file:` URL) rather than a package. */
export function isPathSpecifier(specifier: string): boolean {
  return /^(\.{1,2}([\\/]|$)|[\\/]|[A-Za-z]:[\\/]|file:)/.test(specifier);
}

/**
 * Splits `@scope/name/sub/path` into the package name and the export subpath (`./sub/path`), or
 * returns undefined when the specifier is not a valid bare package specifier.
 */
export function splitPackageSpecifier(
  specifier: string,
): { packageName: string; subpath: string } | undefined {
  const match = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(\/[^\0]*)?$/i.exec(specifier);
  if (!match?.[1]) return undefined;
  const rest = match[2];
  return { packageName: match[1], subpath: rest ? `.${rest}` : "." };
}

/**
 * Resolves a package's `exports` entry for a subpath with Node's import conditions (`node`,
 * `import`, `default`; never `require`), or undefined when the package does not export it. Handles
 * condition objects at any depth, arrays of fallbacks and single-`*` subpath patterns. The result
 * is a `./`-relative target inside the package, or undefined for targets that would leave it.
 */
export function resolveExportsTarget(exportsField: unknown, subpath: string): string | undefined {
  if (exportsField === undefined || exportsField === null) return undefined;
  const isSubpathMap =
    typeof exportsField === "object" &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((key) => key.startsWith("."));
  if (!isSubpathMap) {
    return subpath === "." ? resolveConditional(exportsField, undefined) : undefined;
  }
  const map = exportsField as Record<string, unknown>;
  if (Object.hasOwn(map, subpath)) return resolveConditional(map[subpath], undefined);
  let best: { key: string; replacement: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star === -1 || key.indexOf("*", star + 1) !== -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (
      subpath.length >= key.length &&
      subpath.startsWith(prefix) &&
      subpath.endsWith(suffix) &&
      (best === undefined || prefix.length > best.key.indexOf("*"))
    ) {
      best = { key, replacement: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best ? resolveConditional(map[best.key], best.replacement) : undefined;
}

function resolveConditional(target: unknown, replacement: string | undefined): string | undefined {
  if (typeof target === "string") {
    const filled = replacement === undefined ? target : target.split("*").join(replacement);
    return isSafeTarget(filled) ? filled : undefined;
  }
  if (Array.isArray(target)) {
    for (const candidate of target) {
      const resolved = resolveConditional(candidate, replacement);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!importConditions.has(condition)) continue;
      const resolved = resolveConditional(value, replacement);
      if (resolved !== undefined) return resolved;
    }
  }
  return undefined;
}

function isSafeTarget(target: string): boolean {
  if (!target.startsWith("./") || target.includes("\0")) return false;
  return !target
    .slice(2)
    .split(/[\\/]/)
    .some((segment) => segment === ".." || segment === "." || segment === "node_modules");
}

/** Finds `node_modules/<name>` walking up from a folder, as Node does. */
export function findPackageDirectory(
  packageName: string,
  fromDirectory: string,
): string | undefined {
  let directory = resolve(fromDirectory);
  for (;;) {
    const candidate = join(directory, "node_modules", packageName);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * Resolves a package name the way an `import` in a file of `fromDirectory` would (ESM conditions,
 * so a package with only an `import` export resolves), or a file path relative to it.
 * Throws `INTEGRATION_NOT_FOUND` when nothing is there.
 */
export function resolveModule(specifier: string, fromDirectory: string): ResolvedModule {
  if (isPathSpecifier(specifier)) {
    const file = specifier.startsWith("file:")
      ? new URL(specifier).pathname
      : isAbsolute(specifier)
        ? specifier
        : resolve(fromDirectory, specifier);
    if (existsSync(file) && statSync(file).isDirectory()) {
      // A package's folder (an integration being developed, or unpacked): its entry point, as a
      // package name would resolve.
      if (!existsSync(join(file, "package.json"))) {
        throw new InvalidIntegrationError({
          specifier,
          reason:
            "it is a folder without a package.json. Pass a module file (such as ./blocks.mjs), a package's folder, or an installed package's name.",
        });
      }
      return packageEntry(specifier, file, ".");
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new IntegrationNotFoundError({ specifier, searchedFrom: fromDirectory });
    }
    return { file, url: pathToFileURL(file).href };
  }
  const parts = splitPackageSpecifier(specifier);
  if (parts === undefined) {
    throw new InvalidIntegrationError({
      specifier,
      reason:
        "this is neither a package name (such as @tessera/aws) nor a file path (such as ./blocks.mjs).",
    });
  }
  const packageDirectory = findPackageDirectory(parts.packageName, fromDirectory);
  if (packageDirectory === undefined) {
    throw new IntegrationNotFoundError({
      specifier: parts.packageName,
      searchedFrom: fromDirectory,
    });
  }
  return packageEntry(specifier, packageDirectory, parts.subpath);
}

/** The file a package's folder exports for a subpath (`exports`, else `main`, else index.js). */
function packageEntry(
  specifier: string,
  packageDirectory: string,
  subpath: string,
): ResolvedModule {
  const parts = { subpath };
  const manifest = JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8")) as {
    exports?: unknown;
    main?: unknown;
  };
  let target: string | undefined;
  if (manifest.exports !== undefined) {
    target = resolveExportsTarget(manifest.exports, parts.subpath);
    if (target === undefined) {
      throw new InvalidIntegrationError({
        specifier,
        reason: `the package at ${packageDirectory} does not export "${parts.subpath}" for import (check its package.json "exports").`,
      });
    }
  } else if (parts.subpath !== ".") {
    target = parts.subpath;
  } else {
    target = typeof manifest.main === "string" ? manifest.main : "./index.js";
  }
  const file = resolve(packageDirectory, target);
  const inside = relative(packageDirectory, file);
  if (inside.startsWith("..") || isAbsolute(inside) || inside.split(sep).includes("..")) {
    throw new InvalidIntegrationError({
      specifier,
      reason: "its entry point lies outside the package.",
    });
  }
  if (!existsSync(file)) {
    throw new InvalidIntegrationError({
      specifier,
      reason: `its entry point ${file} is missing (is the package built?).`,
    });
  }
  return { file, url: pathToFileURL(file).href, packageDirectory };
}
