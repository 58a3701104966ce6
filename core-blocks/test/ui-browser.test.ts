import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineBlock } from "../src/block/index.js";
import { secret } from "../src/schema/index.js";
import { createApiToken, createServer, type TesseraServer } from "../src/server/index.js";
import { uiAssetsDirectory } from "../src/server/ui-routes.js";
import { openSqliteStore, type SqliteBlockStore } from "../src/store/index.js";

// The web UI in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). Screenshots of each page go to core-blocks/test-output/ui-browser/.

const chromiumPath = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";
const screenshots = fileURLToPath(new URL("../test-output/ui-browser/", import.meta.url));

class UiKeyPair extends defineBlock({
  type: "ui-key-pair",
  title: "SSH key pair",
  description: "A user and a private key (PEM) for SSH.",
  schema: z.object({
    user: z.string(),
    privateKey: secret().meta({ contentMediaType: "application/x-pem-file" }),
  }),
}) {}

class UiDeployment extends defineBlock({
  type: "ui-deployment",
  title: "Deployment target",
  description: "Where releases are deployed, and with which key.",
  capabilities: ["notify"],
  schema: z.object({
    host: z.string(),
    region: z.enum(["eu-west-1", "us-east-1"]),
    credentials: UiKeyPair.field().optional(),
    token: secret().optional(),
  }),
}) {}

class UiAlert extends defineBlock({
  type: "ui-alert",
  title: "Release alert",
  description: "Who hears about a release, and how.",
  schema: z.object({
    retries: z.number().int().min(0).max(5),
    channel: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("email"), address: z.string() }),
      z.object({ kind: z.literal("webhook"), url: z.string(), signingKey: secret() }),
    ]),
    credentials: UiKeyPair.field().optional(),
  }),
}) {}

// A key as openssl writes it: LF line ends and a trailing newline. (A browser's text area turns
// CRLF into LF by the HTML standard, whatever the page does.)
const PEM = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "QyNTUxOQAAACBwQfUiQ2tbZbOqv1Fv2xvYF3bBq0f2pQ6hBv7v0s3nZQAAAJgAAAAAAAAA",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");
const TOKEN = "deploy-token-5e1f9c0a";
/** Pieces of every secret value: none may ever reach the DOM, a response or the console. */
const secretPieces = [
  TOKEN,
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
  "QyNTUxOQAAACBwQfUiQ2tb",
];

let folder: string;
let store: SqliteBlockStore;
let server: TesseraServer;
let url: string;
let browser: Browser;
const tokens = { read: "", write: "", reveal: "", admin: "" };

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser test needs Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium), or set TESSERA_CHROMIUM to its path. It never downloads a browser.`,
    );
  }
  if (!uiAssetsDirectory()) {
    throw new Error("The web UI is not built: run `pnpm build` (it writes core-blocks/dist/ui).");
  }
  vi.stubEnv("TESSERA_ENCRYPTION_KEY", randomBytes(32).toString("base64"));
  folder = mkdtempSync(join(tmpdir(), "tessera-ui-browser-"));
  store = await openSqliteStore({ path: join(folder, "tessera.db") });
  for (const scope of ["read", "write", "reveal", "admin"] as const) {
    tokens[scope] = (await createApiToken(store, { name: `${scope}-person`, scope })).token;
  }
  // Register both types in the store, as `tessera block register` would.
  await new UiKeyPair({ user: "seed", privateKey: "seed-value" }).save("seed", { store });
  await UiKeyPair.delete("seed", { store });
  await new UiDeployment({ host: "seed", region: "eu-west-1" }).save("seed", { store });
  await UiDeployment.delete("seed", { store });
  await new UiAlert({ retries: 1, channel: { kind: "email", address: "a@b.c" } }).save("seed", {
    store,
  });
  await UiAlert.delete("seed", { store });
  server = await createServer({ store });
  url = await server.listen();
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** Everything the page received and logged, to sweep for secrets. */
interface Sweep {
  responses: Promise<string>[];
  console: string[];
}

async function openPage(sweep: Sweep): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on("response", (response) => {
    sweep.responses.push(response.text().catch(() => ""));
  });
  page.on("console", (message) => sweep.console.push(message.text()));
  page.on("pageerror", (error) => sweep.console.push(`pageerror: ${error.message}`));
  return page;
}

async function signIn(page: Page, token: string) {
  await page.goto(`${url}/ui/`);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=catalog]");
}

async function snap(page: Page, name: string) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** The DOM holds no piece of any secret. */
async function expectNoSecretInDom(page: Page) {
  const html = await page.content();
  const values = await page.$$eval("input, textarea", (elements) =>
    elements.map((element) => (element as unknown as { value: string }).value),
  );
  for (const piece of secretPieces) {
    expect(html).not.toContain(piece);
    for (const value of values) expect(value).not.toContain(piece);
  }
}

async function apiCall(method: string, path: string, token: string, body?: unknown, headers = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in the test.
  return { status: response.status, json: (await response.json()) as any };
}

describe("the web UI in Chromium", () => {
  it("creates a block with a nested block and a PEM secret, edits through a conflict, rolls back, and never shows a secret", async () => {
    const sweep: Sweep = { responses: [], console: [] };
    const page = await openPage(sweep);

    // Catalog, with search.
    await signIn(page, tokens.write);
    await page.fill("input[type=search]", "deploy");
    const cards = page.locator("[data-testid=catalog] .card");
    await expect.poll(() => cards.count()).toBe(1);
    expect(await cards.first().textContent()).toContain("Deployment target");
    expect(await cards.first().textContent()).toContain("notify");
    await snap(page, "1-catalog");

    // The blocks of a type, then the create form.
    await cards.first().locator("a").click();
    await page.waitForSelector("[data-testid=documents]");
    await snap(page, "2-documents");
    await page.click("text=New Deployment target");
    await page.waitForSelector("#root_host");
    await page.fill("#block-name", "prod");
    await page.fill("#root_host", "deploy.example");
    await page.selectOption("#root_region", "eu-west-1");
    await page.check('input[name="root_credentials-mode"][value="new"]');
    await page.fill('[aria-label="name for the new ui-key-pair"]', "deploy-key");
    await page.fill("#root_credentials_user", "release");
    // The key's schema declares a content type, so it is a (masked) text area from the start.
    expect(await page.locator("#root_credentials_privateKey").evaluate((e) => e.tagName)).toBe(
      "TEXTAREA",
    );
    await page.fill("#root_credentials_privateKey", PEM);
    await page.fill("#root_token", TOKEN);
    await snap(page, "3-create-form");
    await page.click("button:text-is('Create')");
    await page.waitForSelector("[data-testid=fields]");

    // Reload: the nested block is a link, secrets are "set", nothing of them is shown.
    await page.reload();
    await page.waitForSelector("[data-testid=fields]");
    const link = page.locator("[data-field=credentials] a.block-link");
    expect(await link.textContent()).toBe("ui-key-pair/deploy-key");
    expect(await page.locator("[data-field=token] .secret").textContent()).toBe("set");
    await expectNoSecretInDom(page);
    await snap(page, "4-document");
    await link.click();
    await page.waitForSelector("[data-field=privateKey]");
    expect(await page.locator("[data-field=privateKey] .secret").textContent()).toBe("set");
    await expectNoSecretInDom(page);

    // The PEM survived byte for byte (read back through the API by a reveal token).
    const revealed = await apiCall(
      "GET",
      "/v1/blocks/ui-key-pair/deploy-key?reveal=true",
      tokens.reveal,
    );
    expect(revealed.json.data.privateKey).toBe(PEM);
    expect(revealed.json.data.user).toBe("release");

    // Edit while another writer saves: the conflict shows what changed, Reload takes theirs.
    await page.goto(`${url}/ui/#/blocks/ui-deployment/prod/edit`);
    await page.waitForSelector("#root_host");
    await expectNoSecretInDom(page);
    expect(await page.locator("[data-field-state], .secret-state").first().textContent()).toBe(
      "set",
    );
    const other = await apiCall(
      "PUT",
      "/v1/blocks/ui-deployment/prod",
      tokens.write,
      {
        data: {
          host: "other.example",
          region: "eu-west-1",
          credentials: { $ref: "ui-key-pair/deploy-key" },
          token: { $keep: true },
        },
      },
      { "if-match": '"1"' },
    );
    expect(other.status).toBe(200);
    await page.fill("#root_host", "mine.example");
    await page.click("button:text-is('Save')");
    const conflict = page.locator("[data-testid=conflict]");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain("revision 2");
    expect(await conflict.locator("[data-testid=diff]").textContent()).toContain("other.example");
    await snap(page, "5-conflict");
    await conflict.locator("button:text-is('Reload')").click();
    await expect.poll(() => page.inputValue("#root_host")).toBe("other.example");
    await page.selectOption("#root_region", "us-east-1");
    await page.click("button:text-is('Save')");
    await page.waitForSelector("[data-testid=fields]");
    expect(await page.locator("[data-testid=revision]").textContent()).toContain("Revision 3");
    // The secret was kept (sent as { $keep: true }), not blanked and not replaced by a mask.
    const kept = await apiCall("GET", "/v1/blocks/ui-deployment/prod?reveal=true", tokens.reveal);
    expect(kept.json.data.token).toBe(TOKEN);
    expect(kept.json.data.region).toBe("us-east-1");

    // History: a diff between two revisions, then a rollback to the first.
    await page.selectOption('[aria-label="from revision"]', "1");
    await page.selectOption('[aria-label="to revision"]', "3");
    await page.click("button:text-is('Compare')");
    const diff = page.locator("[data-testid=diff]");
    await diff.waitFor();
    expect(await diff.textContent()).toContain("host");
    expect(await diff.textContent()).toContain("us-east-1");
    await snap(page, "6-history-diff");
    await page.click("button:text-is('Roll back to 1')");
    await expect
      .poll(() => page.locator("[data-testid=revision]").textContent())
      .toContain("Revision 4");
    expect(await page.locator("[data-field=host] .value").textContent()).toBe("deploy.example");
    // Each revision names the token that wrote it.
    const actors = page.locator("[data-testid=history] [data-testid=actor]");
    await expect.poll(() => actors.allTextContents()).toEqual(Array(4).fill("token:write-person"));
    await expectNoSecretInDom(page);

    // A read token: the same pages, no form that writes.
    await page.click("text=Sign out");
    await page.waitForSelector("#token");
    await signIn(page, tokens.read);
    await page.goto(`${url}/ui/#/blocks/ui-deployment/prod`);
    await page.waitForSelector("[data-testid=fields]");
    expect(await page.locator("text=Edit").count()).toBe(0);
    expect(await page.locator("button:text-matches('Roll back')").count()).toBe(0);
    await expectNoSecretInDom(page);
    await snap(page, "7-read-token");
    await page.goto(`${url}/ui/#/types/ui-deployment`);
    await page.waitForSelector("[data-testid=documents]");
    expect(await page.locator("text=New Deployment target").count()).toBe(0);
    await page.goto(`${url}/ui/#/new/ui-deployment`);
    await page.waitForSelector("text=cannot change blocks");
    expect(await page.locator("form input").count()).toBe(0);

    // Sweep: no response the browser received and no console line holds a piece of a secret.
    const bodies = await Promise.all(sweep.responses);
    expect(bodies.length).toBeGreaterThan(10);
    // The strict Content-Security-Policy let everything the UI does run.
    expect(sweep.console.filter((line) => /Content Security Policy|pageerror/.test(line))).toEqual(
      [],
    );
    for (const piece of secretPieces) {
      for (const body of bodies) expect(body).not.toContain(piece);
      for (const line of sweep.console) expect(line).not.toContain(piece);
    }
    await page.context().close();
  }, 60_000);

  it("offers a union as a choice of variant, shows server validation errors beside their fields, links a picked existing block and shows key status to admins", async () => {
    const sweep: Sweep = { responses: [], console: [] };
    const page = await openPage(sweep);
    await new UiKeyPair({ user: "ops", privateKey: PEM }).save("ops-key", { store });

    await signIn(page, tokens.write);
    await page.goto(`${url}/ui/#/new/ui-alert`);
    await page.waitForSelector("#root_retries");
    await page.fill("#block-name", "on-call");
    await page.fill("#root_retries", "9");
    // The union's variants are named by their discriminator, and choosing one shows its fields.
    const variant = page
      .locator("select")
      .filter({ has: page.locator("option", { hasText: "webhook" }) });
    expect(await variant.locator("option").allTextContents()).toEqual(["email", "webhook"]);
    await variant.selectOption({ label: "webhook" });
    await page.waitForSelector("#root_channel_url");
    expect(await page.locator("#root_channel_kind").getAttribute("readonly")).not.toBeNull();
    await page.fill("#root_channel_url", "https://hooks.example/release");
    await page.fill("#root_channel_signingKey", TOKEN);
    // Picking an existing nested block saves a link to it (never None).
    await page.check('input[name="root_credentials-mode"][value="existing"]');
    await page.selectOption('[aria-label="existing ui-key-pair"]', "ui-key-pair/ops-key");
    await page.click("button:text-is('Create')");

    // The server refuses retries 9; the message sits beside the field, and nothing was saved.
    const retriesField = page.locator(".rjsf-field-integer", {
      has: page.locator("#root_retries"),
    });
    await page.waitForSelector("[role=alert]");
    await snap(page, "8-validation-error");
    await expect.poll(() => retriesField.textContent()).toMatch(/5/);
    expect((await apiCall("GET", "/v1/blocks/ui-alert/on-call", tokens.read)).status).toBe(404);

    await page.fill("#root_retries", "2");
    await page.click("button:text-is('Create')");
    await page.waitForSelector("[data-testid=fields]");
    await page.reload();
    await page.waitForSelector("[data-testid=fields]");
    expect(await page.locator("[data-field=credentials] a.block-link").textContent()).toBe(
      "ui-key-pair/ops-key",
    );
    expect(await page.locator("[data-field=signingKey] .secret").textContent()).toBe("set");
    await expectNoSecretInDom(page);
    const saved = await apiCall("GET", "/v1/blocks/ui-alert/on-call?reveal=true", tokens.reveal);
    expect(saved.json.data).toEqual({
      retries: 2,
      channel: { kind: "webhook", url: "https://hooks.example/release", signingKey: TOKEN },
      credentials: { $ref: "ui-key-pair/ops-key" },
    });

    // Editing keeps the secret inside the union's chosen variant (sent as { $keep: true }).
    await page.click("a:text-is('Edit')");
    await page.waitForSelector("#root_channel_url");
    expect(await page.inputValue("#root_channel_url")).toBe("https://hooks.example/release");
    await page.fill("#root_retries", "3");
    await page.click("button:text-is('Save')");
    await expect
      .poll(() => page.locator("[data-testid=revision]").textContent())
      .toContain("Revision 2");
    const edited = await apiCall("GET", "/v1/blocks/ui-alert/on-call?reveal=true", tokens.reveal);
    expect(edited.json.data.retries).toBe(3);
    expect(edited.json.data.channel.signingKey).toBe(TOKEN);

    // Key status: an admin sees the Keys page; a write token is not offered it.
    expect(await page.locator("header a:text-is('Keys')").count()).toBe(0);
    await page.click("text=Sign out");
    await signIn(page, tokens.admin);
    await page.click("header a:text-is('Keys')");
    await page.waitForSelector("[data-testid=keys] tbody tr");
    expect(await page.locator("[data-testid=keys] tbody").textContent()).toContain("current");
    await snap(page, "9-keys");

    const bodies = await Promise.all(sweep.responses);
    for (const piece of secretPieces) {
      for (const body of bodies) expect(body).not.toContain(piece);
      for (const line of sweep.console) expect(line).not.toContain(piece);
    }
    await page.context().close();
  }, 60_000);

  it("signs in once through the one-time link that tessera ui prints; the same link again asks for a token", async () => {
    const code = randomBytes(24).toString("base64url");
    const local = await createServer({ store, ui: { oneTimeCode: code } });
    const localUrl = await local.listen({ host: "127.0.0.1" });
    const sweep: Sweep = { responses: [], console: [] };
    const page = await openPage(sweep);
    try {
      await page.goto(`${localUrl}/ui/#code=${code}`);
      await page.waitForSelector("[data-testid=catalog]");
      expect(await page.locator("[data-testid=scope]").textContent()).toContain("admin");
      // The code left the address bar and the history at once.
      expect(page.url()).not.toContain(code);
      await page.waitForSelector("header a:text-is('Keys')");

      const again = await page.context().newPage();
      await again.goto(`${localUrl}/ui/#code=${code}`);
      await again.waitForSelector("#token");
      expect(await again.locator("[role=alert]").textContent()).toContain("already used");
      await snap(again, "10-link-used");
    } finally {
      await page.context().close();
      await local.close();
    }
  }, 30_000);
});
