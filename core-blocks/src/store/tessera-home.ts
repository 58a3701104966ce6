import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The folder Tessera keeps its embedded store, key file and default results in:
 * `$TESSERA_HOME`, or `~/.tessera` when unset.
 */
export function tesseraHome(): string {
  const fromEnvironment = process.env.TESSERA_HOME;
  return fromEnvironment ? resolve(fromEnvironment) : join(homedir(), ".tessera");
}

/**
 * Returns `tesseraHome()`, creating it (and any missing parent) with mode 0700 first: only the
 * user can list or enter it, whatever the umask. A folder that already exists is left as it is.
 */
export function ensureTesseraHome(): string {
  const home = tesseraHome();
  // The mode is only ever narrowed by the umask, so 0700 stays 0700 (also under umask 000).
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}
