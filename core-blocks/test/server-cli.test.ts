import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");
const folders: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function home(): string {
  const folder = mkdtempSync(join(tmpdir(), "tessera-server-cli-"));
  folders.push(folder);
  return folder;
}

/** Starts `tessera server start …`; resolves with the URL it prints, or its exit and output. */
function start(args: string[], folder: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: folder, NO_COLOR: "1" };
  delete env.TESSERA_DATABASE_URL;
  delete env.TESSERA_API_URL;
  const child = spawn(process.execPath, [bin, "server", "start", ...args], { env });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const listening = new Promise<string>((done, fail) => {
    child.stdout.on("data", () => {
      const match = / at (https?:\/\/\S+)/.exec(stdout);
      if (match) done(match[1]!);
    });
    void exited.then((code) => fail(new Error(`exited ${code}: ${stderr}`)));
  });
  // A test that expects the server to refuse to start never awaits `listening`.
  listening.catch(() => {});
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

describe("tessera server start", () => {
  it("serves the store on loopback and stops cleanly on SIGTERM", async () => {
    const server = start(["--port", "0"], home());
    const url = await server.listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    // Every API route needs a token (made by `tessera token create`).
    const anonymous = await fetch(`${url}/v1/documents/bucket/nowhere`);
    expect(anonymous.status).toBe(401);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("refuses plain HTTP on a non-loopback address without --insecure-http, saying what to do", async () => {
    const server = start(["--host", "0.0.0.0", "--port", "0"], home());
    expect(await server.exited).toBe(1);
    expect(server.output().stderr).toContain("--insecure-http");
    expect(server.output().stderr).toContain("--tls-cert");
  });

  it("serves HTTPS on any address when given a certificate and key", async () => {
    const folder = home();
    const cert = join(folder, "cert.pem");
    const key = join(folder, "key.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat(["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"])
        .concat(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]),
      { stdio: "ignore" },
    );
    const server = start(
      ["--host", "0.0.0.0", "--port", "0", "--tls-cert", cert, "--tls-key", key],
      folder,
    );
    const url = await server.listening;
    expect(url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
    const port = Number(new URL(url).port);
    const body = await new Promise<string>((done, fail) => {
      request({ host: "127.0.0.1", port, path: "/healthz", ca: readFileSync(cert) }, (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => done(text));
      })
        .on("error", fail)
        .end();
    });
    expect(JSON.parse(body)).toEqual({ status: "ok" });
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("accepts a token made by tessera token create, printed once, with the scope it was given", async () => {
    const folder = home();
    const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: folder, NO_COLOR: "1" };
    delete env.TESSERA_DATABASE_URL;
    delete env.TESSERA_API_URL;
    const made = await promisify(execFile)(
      process.execPath,
      [bin, "token", "create", "--name", "ci-reader", "--scope", "read"],
      { env },
    );
    const token = made.stdout.trim();
    expect(token).toMatch(/^tsk_/);
    expect(made.stderr).toContain("shown only now");
    const server = start(["--port", "0"], folder);
    const url = await server.listening;
    const headers = { authorization: `Bearer ${token}` };
    const read = await fetch(`${url}/v1/documents/bucket/nowhere`, { headers });
    expect(read.status).toBe(404);
    const write = await fetch(`${url}/v1/documents/bucket/nowhere`, { method: "DELETE", headers });
    expect(write.status).toBe(403);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output().stdout).not.toContain(token);
    expect(server.output().stderr).not.toContain(token);
  });
});

describe("the audit trail through tessera server", () => {
  it("shows the writing token as token:<name> in tessera block history, whatever actor the client sets", async () => {
    const folder = home();
    const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: folder, NO_COLOR: "1" };
    delete env.TESSERA_DATABASE_URL;
    delete env.TESSERA_API_URL;
    delete env.TESSERA_ACTOR;
    const tessera = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      promisify(execFile)(process.execPath, [bin, ...args], { env: { ...env, ...extra } });
    const made = await tessera(["token", "create", "--name", "deploy-bot", "--scope", "write"]);
    const token = made.stdout.trim();
    const server = start(["--port", "0"], folder);
    const url = await server.listening;
    for (const [revision, overwrite] of [
      [1, false],
      [2, true],
    ] as const) {
      const saved = await fetch(`${url}/v1/documents/bucket/results`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: "00000000-0000-4000-8000-000000000001",
          data: { revision },
          schemaChecksum: `sha256:${"0".repeat(64)}`,
          schemaVersion: "1.0.0",
          references: [],
          dataKey: null,
          overwrite,
          actor: "user:mallory",
        }),
      });
      expect(saved.ok).toBe(true);
    }
    // A CLI working through the server: its own actor is not sent, the token's name is recorded.
    await tessera(["block", "rollback", "bucket/results", "1"], {
      TESSERA_API_URL: url,
      TESSERA_API_KEY: token,
      TESSERA_ACTOR: "user:mallory",
    });
    // The same CLI on the store itself records its TESSERA_ACTOR.
    await tessera(["block", "rename", "bucket/results", "moved"], { TESSERA_ACTOR: "user:alice" });
    const history = JSON.parse(
      (await tessera(["block", "history", "bucket/moved", "--json"])).stdout,
    ) as Array<{ revision: number; actor: string | null }>;
    expect(history.map((entry) => [entry.revision, entry.actor])).toEqual([
      [4, "user:alice"],
      [3, "token:deploy-bot"],
      [2, "token:deploy-bot"],
      [1, "token:deploy-bot"],
    ]);
    const table = (await tessera(["block", "history", "bucket/moved"])).stdout;
    expect(table).toMatch(/^3\s+rollback to 1\s+.*token:deploy-bot$/m);
    expect(table).not.toContain("mallory");
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });
});

describe("tessera token", () => {
  it("creates a limited, expiring token, lists records without the token, revokes it by name and refuses a bad expiry", async () => {
    const folder = home();
    const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_HOME: folder, NO_COLOR: "1" };
    delete env.TESSERA_DATABASE_URL;
    delete env.TESSERA_API_URL;
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, "token", ...args], { env });
    const made = await run(
      ["create", "--name", "etl", "--scope", "read", "--types", "s3-bucket,webhook"].concat([
        "--expires",
        "30d",
        "--json",
      ]),
    );
    const created = JSON.parse(made.stdout) as { token: string; id: string; expiresAt: string };
    expect(created).toMatchObject({ name: "etl", scope: "read", types: ["s3-bucket", "webhook"] });
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const table = await run(["list"]);
    expect(table.stdout).toMatch(/NAME\s+ID\s+SCOPE\s+TYPES\s+CREATED\s+EXPIRES\s+REVOKED/);
    expect(table.stdout).toContain(created.id);
    expect(table.stdout).toContain("s3-bucket,webhook");
    expect(table.stdout).not.toContain(created.token);

    const revoked = await run(["revoke", "etl"]);
    expect(revoked.stdout).toContain(`Revoked 1 token: etl (${created.id})`);
    const listed = JSON.parse((await run(["list", "--json"])).stdout) as Array<{
      revokedAt: string | null;
    }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]!.revokedAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const refused = await run([
      "create",
      "--name",
      "x",
      "--scope",
      "read",
      "--expires",
      "soon",
    ]).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: expect.any(Number) });
    expect((refused as { stderr: string }).stderr).toContain("INVALID_INPUT");
    expect((refused as { stderr: string }).stderr).toContain("30d");
  });
});
