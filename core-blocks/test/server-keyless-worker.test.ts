import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { presentData, revealWith } from "../src/cli/stored-documents.js";
import { Secret } from "../src/secret-block/index.js";
import { ServerDataKeyCipher } from "../src/secrets/server-data-key-cipher.js";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { openHttpStore, openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const PEM =
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
let serverKey: string;
const tokens: Record<string, string> = {};

beforeEach(async () => {
  serverKey = randomBytes(32).toString("base64");
  vi.stubEnv("TESSERA_ENCRYPTION_KEY", serverKey);
  folder = mkdtempSync(join(tmpdir(), "tessera-keyless-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  for (const scope of ["read", "write", "reveal", "admin"] as const) {
    tokens[scope] = (await createApiToken(store, { name: `${scope}-worker`, scope })).token;
  }
  server = await createServer({ store });
  url = await server.listen();
});
afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** Runs the worker child with only the variables given (and PATH); returns its report. */
async function runWorker(environment: Record<string, string>, value: string) {
  const home = mkdtempSync(join(tmpdir(), "tessera-keyless-home-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(here, "fixtures", "keyless-worker-child.ts"), value],
      {
        cwd: resolve(here, ".."),
        env: { PATH: process.env.PATH ?? "", HOME: home, TESSERA_HOME: home, ...environment },
      },
    );
    return { report: JSON.parse(stdout.trim()), homeFiles: readdirSync(home) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe("a worker without a master key", () => {
  it("saves and loads secrets through the server's data keys, with no key file and no database driver", async () => {
    const { report, homeFiles } = await runWorker(
      {
        TESSERA_API_URL: url,
        TESSERA_API_KEY: tokens.admin!,
        WORKER_TOKEN_WRITE: tokens.write!,
        WORKER_TOKEN_REVEAL: tokens.reveal!,
        WORKER_TOKEN_READ: tokens.read!,
      },
      PEM,
    );
    expect(report.cipher).toBe("ServerDataKeyCipher");
    expect(report.loaded).toEqual({ pg: false, betterSqlite3: false, fastify: false });
    expect(homeFiles).toEqual([]);
    // The value survives byte for byte, for the worker and for a reveal token.
    expect(report.loads.own).toEqual({ value: PEM });
    expect(report.loads.reveal).toEqual({ value: PEM });
    expect(report.loads.revealWithoutWrappedKey).toEqual({ value: PEM });
    // A write token may seal a new document (the server generates its data key) …
    expect(report.loads.writeSave).toEqual({ value: "saved" });
    expect(report.loads.writeResave).toEqual({ value: 2 });
    expect(report.loads.writeChange.error.code).toBe("FORBIDDEN");
    // … but not unwrap a stored one; nor may a read token, which is told a reveal token is needed.
    expect(report.loads.write.error.code).toBe("FORBIDDEN");
    expect(report.loads.write.error.message).toContain("reveal");
    expect(report.loads.read.error.code).toBe("FORBIDDEN");
    expect(report.loads.read.error.message).toContain("reveal scope");
    expect(JSON.stringify(report.loads.read)).not.toContain("PRIVATE KEY");

    // The server's store holds only ciphertext, under a data key wrapped by the server's key,
    // and the server itself reads what the worker wrote.
    const stored = await store.get({ type: "secret", name: "worker-key" });
    expect(JSON.stringify(stored)).not.toContain("PRIVATE KEY");
    expect(await (await Secret.load("worker-key", { store })).value.reveal()).toBe(PEM);
    expect(await (await Secret.load("written-by-write", { store })).value.reveal()).toBe(
      `${PEM}-by-write`,
    );
  });

  it("uses its own master key when one is configured locally, as over any store", async () => {
    const { report } = await runWorker(
      { TESSERA_API_URL: url, TESSERA_API_KEY: tokens.admin!, TESSERA_ENCRYPTION_KEY: serverKey },
      "local-key-value",
    );
    expect(report.cipher).toBe("StoreCipher");
    expect(report.loads.own).toEqual({ value: "local-key-value" });
  });

  it("answers a data key only for the document it belongs to, and only to reveal and admin tokens", async () => {
    await new Secret({ value: "first" }).save("first", { store });
    await new Secret({ value: "second" }).save("second", { store });
    const first = (await store.get({ type: "secret", name: "first" }))!;
    const second = (await store.get({ type: "secret", name: "second" }))!;
    const decrypt = (id: string, dataKey: unknown, token: string) =>
      fetch(`${url}/v1/document-ids/${id}/data-key/decrypt`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ dataKey }),
      });
    const answered = await decrypt(first.id, first.dataKey, tokens.reveal!);
    expect(answered.status).toBe(200);
    expect(answered.headers.get("cache-control")).toBe("no-store");
    const clear = (await answered.json()) as { dataKeyId: string; plaintext: string };
    expect(Buffer.from(clear.plaintext, "base64")).toHaveLength(32);
    expect(clear.dataKeyId).toMatch(/^[0-9a-f]{16}$/);
    // Without the wrapped key (a document sent without it), the document's own key is answered.
    const byId = await decrypt(first.id, undefined, tokens.reveal!);
    expect(await byId.json()).toEqual(clear);
    const crossed = await decrypt(first.id, second.dataKey, tokens.admin!);
    expect(crossed.status).toBe(400);
    expect(JSON.stringify(await crossed.json())).not.toContain(clear.plaintext);
    for (const token of [tokens.read!, tokens.write!]) {
      expect((await decrypt(first.id, first.dataKey, token)).status).toBe(403);
    }
    const generate = (token: string) =>
      fetch(`${url}/v1/data-keys/generate`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
    expect((await generate(tokens.read!)).status).toBe(403);
    expect((await generate(tokens.reveal!)).status).toBe(403);
    const generated = await generate(tokens.write!);
    expect(generated.status).toBe(200);
    expect(await generated.json()).toMatchObject({
      dataKey: { masterKeyId: first.dataKey!.masterKeyId },
    });
    expect(existsSync(join(folder, "tessera.db"))).toBe(true);
  });

  it("shows a document sent without its wrapped data key revealed, as the command line does, by asking the server for its key", async () => {
    await new Secret({ value: PEM }).save("shown", { store });
    const http = await openHttpStore({ url, apiKey: tokens.reveal! });
    try {
      const document = { ...(await http.get({ type: "secret", name: "shown" }))!, dataKey: null };
      const cipher = new ServerDataKeyCipher(http);
      const shown = await presentData(http, document.data, revealWith(cipher, document));
      expect(shown).toEqual({ value: PEM });
    } finally {
      await http.close();
    }
  });
});
