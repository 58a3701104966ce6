import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { uiAssetsDirectory } from "../src/server/ui-routes.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;

async function start(options: Parameters<typeof createServer>[0]["ui"] = {}) {
  server = await createServer({ store, ui: options });
  url = await server.listen();
}

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "tessera-server-ui-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
});
afterEach(async () => {
  await server?.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("the web UI's static files", () => {
  it("finds the built UI in the package's dist/ui (pnpm build makes it)", () => {
    expect(uiAssetsDirectory()).toMatch(/dist[\\/]ui$/);
  });

  it("serves the page and its assets at /ui/ without a token, under a strict Content-Security-Policy", async () => {
    await start();
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    // No inline script: every script is a file the policy's 'self' allows.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = page.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(
      csp.split(";").map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives["default-src"]).toEqual(["'none'"]);
    // 'unsafe-eval' for AJV's compiled validators; never 'unsafe-inline' for scripts.
    expect(directives["script-src"]).toEqual(["'self'", "'unsafe-eval'"]);
    expect(directives["connect-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["base-uri"]).toEqual(["'none'"]);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");

    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("content-security-policy")).toBe(csp);
    expect((await asset.text()).length).toBeGreaterThan(1000);
  });

  it("redirects /ui to /ui/ and still guards the API with tokens", async () => {
    await start();
    const redirect = await fetch(`${url}/ui`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/ui/");
    const api = await fetch(`${url}/v1/block-types`);
    expect(api.status).toBe(401);
  });
});

describe("signing in to the UI", () => {
  it("tells a signed-in page its token's scope, so a read token is shown no forms that write", async () => {
    await start();
    const read = await createApiToken(store, { name: "viewer", scope: "read" });
    const answer = await fetch(`${url}/v1/session`, {
      headers: { authorization: `Bearer ${read.token}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ scope: "read" });
    const anonymous = await fetch(`${url}/v1/session`);
    expect(anonymous.status).toBe(401);
  });

  it("exchanges the one-time code once for an admin session token and refuses it the second time", async () => {
    await start({ oneTimeCode: "code-1234567890" });
    const exchange = () =>
      fetch(`${url}/ui/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "code-1234567890" }),
      });
    const first = await exchange();
    expect(first.status).toBe(200);
    const { token, scope } = (await first.json()) as { token: string; scope: string };
    expect(scope).toBe("admin");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const second = await exchange();
    expect(second.status).toBe(401);
    const refused = (await second.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe("UNAUTHENTICATED");
    expect(refused.error.message).toContain("already used");

    const withSession = await fetch(`${url}/v1/master-keys`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withSession.status).toBe(200);
    const session = await fetch(`${url}/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await session.json()).toEqual({ scope: "admin" });
  });

  it("records a write of a tessera ui session as the local user who started it", async () => {
    vi.stubEnv("TESSERA_ACTOR", "user:alice");
    try {
      await start({ oneTimeCode: "code-actor-123456" });
      const exchanged = await fetch(`${url}/ui/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "code-actor-123456" }),
      });
      const { token } = (await exchanged.json()) as { token: string };
      const saved = await fetch(`${url}/v1/documents/bucket/from-ui`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: "00000000-0000-4000-8000-0000000000a1",
          data: {},
          schemaChecksum: "sha256:0",
          schemaVersion: "1.0.0",
          references: [],
          dataKey: null,
        }),
      });
      expect(saved.status).toBe(201);
      const [newest] = await store.history({ type: "bucket", name: "from-ui" });
      expect(newest?.actor).toBe("user:alice");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses a wrong code, and any code on a server started without one", async () => {
    await start({ oneTimeCode: "right-code" });
    const wrong = await fetch(`${url}/ui/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "wrong-code" }),
    });
    expect(wrong.status).toBe(401);
    await server.close();
    await start();
    const none = await fetch(`${url}/ui/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "right-code" }),
    });
    expect(none.status).toBe(401);
  });
});
