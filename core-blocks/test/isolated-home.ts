// Loaded before every test file of @tessera/core (vitest `setupFiles`). Tests must never touch
// the user's ~/.tessera: each file runs with HOME and TESSERA_HOME in a fresh temporary folder,
// and a file that still opened a store under its (temporary) home directory's `.tessera`, for
// example by unsetting TESSERA_HOME and then asking for the default store, fails with a message
// that says so, instead of writing to the real home on a developer's machine.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const folder = mkdtempSync(join(tmpdir(), "tessera-test-file-"));
const home = join(folder, "home");
mkdirSync(home);
process.env.HOME = home;
process.env.TESSERA_HOME = join(folder, "tessera-home");

afterAll(() => {
  const touched = existsSync(join(home, ".tessera"));
  rmSync(folder, { recursive: true, force: true });
  if (touched) {
    throw new Error(
      "A test in this file opened the default Tessera home (~/.tessera) without a TESSERA_HOME of its own. Give it a temporary TESSERA_HOME (createTestHarness, or set process.env.TESSERA_HOME to a temp folder) before it opens the default store.",
    );
  }
});
