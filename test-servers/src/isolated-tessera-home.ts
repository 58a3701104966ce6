// Loaded before every test file of a project that names it in vitest `setupFiles`: each file gets
// a fresh temporary TESSERA_HOME, so nothing a test runs in process or in a child process that inherits
// the environment can reach the user's ~/.tessera. HOME itself is left alone: the packaging tests
// run npm, which reads its settings from there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const home = mkdtempSync(join(tmpdir(), "tessera-e2e-home-"));
process.env.TESSERA_HOME = home;

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});
