import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");
const folders: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Starts `tessera ui`; resolves with the link it prints. */
function startUi() {
  const folder = mkdtempSync(join(tmpdir(), "tessera-ui-cli-"));
  folders.push(folder);
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: folder, NO_COLOR: "1" };
  delete env.TESSERA_DATABASE_URL;
  delete env.TESSERA_API_URL;
  const child = spawn(process.execPath, [bin, "ui"], { env });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const link = new Promise<string>((done, fail) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /Open (\S+)/.exec(stdout);
      if (match) done(match[1]!);
    });
    void exited.then((code) => fail(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, link, exited };
}

async function exchange(origin: string, code: string) {
  return fetch(`${origin}/ui/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
}

describe("tessera ui", () => {
  it("serves on 127.0.0.1 with a link whose one-time code signs in once", async () => {
    const ui = startUi();
    const link = new URL(await ui.link);
    expect(link.hostname).toBe("127.0.0.1");
    expect(link.pathname).toBe("/ui/");
    const code = /^#code=([A-Za-z0-9_-]{32})$/.exec(link.hash)?.[1];
    expect(code).toBeDefined();

    const page = await fetch(new URL("/ui/", link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    const first = await exchange(link.origin, code!);
    expect(first.status).toBe(200);
    const { token } = (await first.json()) as { token: string };
    const types = await fetch(`${link.origin}/v1/block-types`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(types.status).toBe(200);
    await types.text();

    const second = await exchange(link.origin, code!);
    expect(second.status).toBe(401);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
      "UNAUTHENTICATED",
    );
    const anonymous = await fetch(`${link.origin}/v1/block-types`);
    expect(anonymous.status).toBe(401);
    await anonymous.text();

    ui.child.kill("SIGTERM");
    expect(await ui.exited).toBe(0);
  });
});
