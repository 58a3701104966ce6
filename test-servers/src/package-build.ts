import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The newest modification time of any file below `directory`. */
async function newestModification(directory: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

/**
 * Builds a package's `dist/` (`pnpm run build` in `packageDirectory`) when it is missing or
 * older than a file of its `src/`, so a child process that imports the package by name runs what
 * `src/` says.
 */
export async function ensurePackageBuilt(packageDirectory: string): Promise<void> {
  const built = await stat(join(packageDirectory, "dist/index.js")).then(
    (file) => file.mtimeMs,
    () => 0,
  );
  if (built >= (await newestModification(join(packageDirectory, "src")))) return;
  await run("pnpm", ["run", "build"], { cwd: packageDirectory });
}
