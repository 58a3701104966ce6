import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/index.js";
import { CalledGreeting, ModuleGreeting, StaticGreeting } from "./fixtures/subclass-blocks.js";

const child = new URL("./fixtures/subclass-load-child.ts", import.meta.url).pathname;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tessera-subclass-"));
  const store = await openSqliteStore({ path: join(home, "tessera.db") });
  await new StaticGreeting({ who: "static" }).save("one", { store });
  await new CalledGreeting({ who: "called" }).save("one", { store });
  await new ModuleGreeting({ who: "module" }).save("one", { store });
  await store.close();
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

async function loadInFreshProcess(mode: "import" | "register-module", slugs: string[]) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", child, mode, ...slugs],
    { env: { ...process.env, TESSERA_HOME: home }, timeout: 60_000 },
  );
  return stdout.trim().split("\n");
}

describe("a block class with methods, loaded by slug in a fresh process", () => {
  it("gets its methods when the class registers itself in a static block or right after its definition", async () => {
    expect(
      await loadInFreshProcess("import", ["subclass-static/one", "subclass-called/one"]),
    ).toEqual(["subclass-static/one: hello static", "subclass-called/one: hello called"]);
  });

  it("gets its methods when its module is registered with registerModule", async () => {
    expect(await loadInFreshProcess("register-module", ["subclass-module/one"])).toEqual([
      "subclass-module/one: hello module",
    ]);
  });
});
