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
