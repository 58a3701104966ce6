import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CoreCopy } from "../errors/index.js";
import { coreCopiesKey } from "../protocol/index.js";
import { coreVersion } from "./core-version.js";
import { warn } from "./warn.js";

/**
 * The process-wide list every copy of `@tessera/core` adds itself to when it is imported. It lives
 * on `globalThis` under a `Symbol.for` key, so copies loaded from different folders (or different
 * versions) all see the same list.
 */

interface CopyList {
  copies: CoreCopy[];
  /** Pairs of locations already warned about, so each duplicate is reported once. */
  warned: Set<string>;
}

/**
 * The folder of the `@tessera/core` package a file belongs to (the nearest folder above it whose
 * package.json is core's), or the file itself when there is none.
 */
function packageFolderOf(file: string): string {
  let folder = dirname(file);
  for (let depth = 0; depth < 4; depth += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
        name?: unknown;
      };
      if (manifest.name === "@tessera/core") return folder;
    } catch {
      // No readable package.json here: keep walking up.
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return file;
}

/** This copy of core: its version and the folder it was loaded from. */
export const thisCore: Readonly<CoreCopy> = Object.freeze({
  version: coreVersion,
  location: packageFolderOf(fileURLToPath(import.meta.url)),
});

function copyList(): CopyList {
  const holder = globalThis as unknown as Record<symbol, CopyList | undefined>;
  let list = holder[coreCopiesKey];
  if (list === undefined) {
    list = { copies: [], warned: new Set() };
    holder[coreCopiesKey] = list;
  }
  return list;
}

/**
 * Adds this copy to the process-wide list (once) and warns, naming both versions and locations,
 * when another copy is already there. Runs when core is imported.
 */
export function announceCore(): void {
  const list = copyList();
  if (!list.copies.some((copy) => copy.location === thisCore.location)) {
    list.copies.push({ ...thisCore });
  }
  for (const other of list.copies) {
    if (other.location === thisCore.location) continue;
    const pair = [other.location, thisCore.location].sort().join("\n");
    if (list.warned.has(pair)) continue;
    list.warned.add(pair);
    warn(describeDuplicateCores(list.copies));
  }
}

/**
 * Every copy of `@tessera/core` loaded in this process, in load order. More than one entry means
 * the registry is split: blocks registered through one copy are unknown to the other.
 */
export function duplicateCores(): CoreCopy[] {
  announceCore();
  const { copies } = copyList();
  return copies.length > 1 ? copies.map((copy) => ({ ...copy })) : [];
}

/** The other copies of core loaded in this process (empty when this is the only one). */
export function otherCores(): CoreCopy[] {
  return copyList()
    .copies.filter((copy) => copy.location !== thisCore.location)
    .map((copy) => ({ ...copy }));
}

/** The report printed when more than one copy of core is loaded. */
export function describeDuplicateCores(copies: readonly CoreCopy[]): string {
  const listed = copies.map((copy) => `@tessera/core ${copy.version} at ${copy.location}`);
  return (
    `${copies.length} copies of @tessera/core are loaded in this process: ${listed.join("; ")}. ` +
    "Each copy keeps its own registry of block types, so blocks registered through one are unknown to the other. " +
    "Install a single @tessera/core that satisfies every integration's peer range and check with `npm ls @tessera/core` (npm dedupe can merge the copies)."
  );
}

announceCore();
