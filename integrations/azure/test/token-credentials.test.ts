import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { closeServer } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureBlobStorageContainer } from "../src/index.js";

// Azurite serves OAuth only with its own certificate set-up, and Microsoft Entra is out of reach:
// these tests stand a local HTTPS server in for both, and check the requests each mode sends, up
// to the storage request that carries the token.

const run = promisify(execFile);

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
let folder: string;
const seen: Seen[] = [];
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "tessera-azure-tls-"));
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-days",
    "1",
    "-keyout",
    join(folder, "key.pem"),
    "-out",
    join(folder, "cert.pem"),
  ]);
  server = createServer(
    {
      key: await readFile(join(folder, "key.pem")),
      cert: await readFile(join(folder, "cert.pem")),
    },
    (request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const url = new URL(request.url ?? "/", base);
        seen.push({
          method: request.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body,
        });
        const json = (value: unknown) => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(value));
        };
        const tenant = url.pathname.split("/")[1];
        if (url.pathname.endsWith("/.well-known/openid-configuration")) {
          return json({
            token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
            issuer: `${base}/${tenant}/v2.0`,
            jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          });
        }
        if (url.pathname.endsWith("/oauth2/v2.0/token")) {
          return json({
            token_type: "Bearer",
            expires_in: 3600,
            ext_expires_in: 3600,
            access_token: "principal-token",
          });
        }
        if (url.pathname === "/msi/token") {
          return json({
            access_token: "identity-token",
            expires_on: String(Math.floor(Date.now() / 1000) + 3600),
            resource: url.searchParams.get("resource"),
            token_type: "Bearer",
          });
        }
        response.writeHead(201, { "x-ms-request-id": "local", etag: '"0x1"' });
        response.end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The local server's certificate is self-signed; this test file's process alone trusts it.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
});

afterAll(async () => {
  process.env = savedEnvironment;
  await closeServer(server as unknown as HttpServer);
  await rm(folder, { recursive: true, force: true });
});

describe("authentication with Microsoft Entra tokens, up to the request sent", () => {
  it("asks the tenant for a storage token with the service principal's id and secret, then sends it as a bearer token", async () => {
    seen.length = 0;
    const container = new AzureBlobStorageContainer({
      containerName: "results",
      credentials: {
        accountUrl: `${base}/acme`,
        tenantId: "tenant-one",
        clientId: "client-one",
        clientSecret: "principal-secret-canary",
        authorityHost: base,
        retryOptions: { maxTries: 1 },
      },
    });
    await container.writePath("x.txt", "by principal");
    const tokenRequest = seen.find((request) => request.path.endsWith("/oauth2/v2.0/token"));
    expect(tokenRequest?.path).toBe("/tenant-one/oauth2/v2.0/token");
    const form = new URLSearchParams(tokenRequest?.body);
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(form.get("client_id")).toBe("client-one");
    expect(form.get("client_secret")).toBe("principal-secret-canary");
    expect(form.get("scope")).toBe("https://storage.azure.com/.default");
    const upload = seen.find((request) => request.method === "PUT");
    expect(upload?.path).toBe("/acme/results/x.txt");
    expect(upload?.headers.authorization).toBe("Bearer principal-token");
  });

  it("uses the machine's identity for an account URL alone: a managed identity token for storage, sent as a bearer token", async () => {
    seen.length = 0;
    for (const name of Object.keys(process.env)) {
      if (name.startsWith("AZURE_")) delete process.env[name];
    }
    process.env.IDENTITY_ENDPOINT = `${base}/msi/token`;
    process.env.IDENTITY_HEADER = "identity-header";
    const container = new AzureBlobStorageContainer({
      containerName: "results",
      credentials: { accountUrl: `${base}/acme`, retryOptions: { maxTries: 1 } },
    });
    await container.writePath("y.txt", "by identity");
    const tokenRequest = seen.find((request) => request.path === "/msi/token");
    expect(tokenRequest?.query.get("resource")).toMatch(/^https:\/\/storage\.azure\.com/);
    expect(tokenRequest?.headers["x-identity-header"]).toBe("identity-header");
    const upload = seen.find((request) => request.method === "PUT");
    expect(upload?.path).toBe("/acme/results/y.txt");
    expect(upload?.headers.authorization).toBe("Bearer identity-token");
  });
});
