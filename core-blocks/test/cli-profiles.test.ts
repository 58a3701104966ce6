import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createOutput } from "../src/cli/output.js";
import { runCli } from "../src/cli/run-cli.js";

// The built CLI: run `pnpm build` after changing core.
const bin = resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/cli/bin.js");
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const path = mkdtempSync(join(tmpdir(), "tessera-profiles-"));
  folders.push(path);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tessera …` in a child process with only the variables given (and a fresh TESSERA_HOME). */
function tesseraProcess(
  home: string,
  args: string[],
  variables: Record<string, string> = {},
): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    TESSERA_HOME: join(home, "tessera-home"),
    NO_COLOR: "1",
    ...variables,
  };
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env, cwd: home }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A stream that keeps what is written to it. */
function capture(): NodeJS.WritableStream & { text: string } {
  const sink = {
    text: "",
    write(chunk: string | Uint8Array) {
      sink.text += String(chunk);
      return true;
    },
  };
  return sink as unknown as NodeJS.WritableStream & { text: string };
}

const variablesTessera = [
  "TESSERA_DATABASE_URL",
  "TESSERA_DATABASE_SCHEMA",
  "TESSERA_API_URL",
  "TESSERA_API_KEY",
  "TESSERA_PROFILE",
  "TESSERA_ENCRYPTION_KEY",
  "TEAM_TOKEN",
  "TEAM_DB_URL",
];

/**
 * Runs `tessera …` in this process (the CLI's own entry, `runCli`) with only the variables given
 * set among those it reads, TESSERA_HOME in `home` and the working folder `cwd`. Runs one at a
 * time: it changes this process's environment and folder for the run.
 */
async function tessera(
  home: string,
  args: string[],
  variables: Record<string, string> = {},
  cwd = home,
): Promise<Run> {
  const saved = { ...process.env };
  const folderBefore = process.cwd();
  for (const name of variablesTessera) delete process.env[name];
  Object.assign(
    process.env,
    { TESSERA_HOME: join(home, "tessera-home"), NO_COLOR: "1" },
    variables,
  );
  process.chdir(cwd);
  const stdout = capture();
  const stderr = capture();
  try {
    const code = await runCli(args, createOutput(stdout, stderr));
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    process.chdir(folderBefore);
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

interface ConfigRow {
  value: string | null;
  source: string;
  reason: string;
}
interface Config {
  store: ConfigRow & { kind: string; profile?: string };
  apiKey: ConfigRow;
  masterKey: ConfigRow;
  projectConfig: ConfigRow;
}

async function config(
  home: string,
  variables: Record<string, string> = {},
  flags: string[] = [],
  cwd = home,
): Promise<Config> {
  const run = await tessera(home, [...flags, "config", "--json"], variables, cwd);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Config;
}

/** A home with two profiles: `team` (a server, token in TEAM_TOKEN, in use) and `db`. */
async function homeWithProfiles(): Promise<string> {
  const home = folder();
  const created = await tessera(home, [
    "profile",
    "create",
    "team",
    "--api-url",
    "http://127.0.0.1:9",
    "--api-key-env",
    "TEAM_TOKEN",
    "--use",
  ]);
  expect(created.code).toBe(0);
  expect(
    (await tessera(home, ["profile", "create", "db", "--db-url-env", "TEAM_DB_URL"])).code,
  ).toBe(0);
  return home;
}

describe("tessera profile", () => {
  it("saves profiles 0600 with names of variables only, lists them, switches and deletes them", async () => {
    const home = folder();
    const secretToken = "tsk_not-to-be-stored";
    const created = await tessera(
      home,
      [
        "profile",
        "create",
        "team",
        "--api-url",
        "https://blocks.internal:8470",
        "--api-key-env",
        "TEAM_TOKEN",
      ],
      { TEAM_TOKEN: secretToken },
    );
    expect(created.code).toBe(0);
    await tessera(home, ["profile", "create", "warehouse", "--db-url-env", "WAREHOUSE_DB_URL"]);
    const file = join(home, "tessera-home", "profiles.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("TEAM_TOKEN");
    expect(text).not.toContain(secretToken);

    expect((await tessera(home, ["profile", "use", "warehouse"])).code).toBe(0);
    const listed = await tessera(home, ["profile", "list", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([
      {
        name: "team",
        current: false,
        apiUrl: "https://blocks.internal:8470",
        apiKeyEnv: "TEAM_TOKEN",
      },
      { name: "warehouse", current: true, databaseUrlEnv: "WAREHOUSE_DB_URL" },
    ]);
    expect((await tessera(home, ["profile", "list"])).stdout).toContain("* warehouse");

    expect((await tessera(home, ["profile", "delete", "warehouse"])).code).toBe(0);
    expect(JSON.parse((await tessera(home, ["profile", "list", "--json"])).stdout)).toEqual([
      {
        name: "team",
        current: false,
        apiUrl: "https://blocks.internal:8470",
        apiKeyEnv: "TEAM_TOKEN",
      },
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("refuses a profile that mixes a server and a database, a taken name, or an unknown one", async () => {
    const home = await homeWithProfiles();
    const mixed = await tessera(home, [
      "profile",
      "create",
      "both",
      "--api-url",
      "http://127.0.0.1:9",
      "--db-url-env",
      "X",
    ]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("not both");
    const taken = await tessera(home, ["profile", "create", "db", "--db-url-env", "OTHER"]);
    expect(taken.stderr).toContain('A profile "db" exists already');
    const unknown = await tessera(home, ["profile", "use", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no profile "nope". Saved profiles: team, db.');
  });
});

describe("tessera config: what is in force and why (flag > environment > profile > default)", () => {
  it("chooses the store by precedence, and says which rule chose it", async () => {
    const bare = folder();
    const home = await homeWithProfiles();
    const team = { TEAM_TOKEN: "tsk_team" };
    const database = { TEAM_DB_URL: "postgres://app:pw@db.internal:5432/blocks" };
    const fallback = await config(bare);
    const used = await config(home, team);
    const named = await config(home, { ...team, ...database, TESSERA_PROFILE: "db" });
    const environment = await config(home, {
      ...team,
      TESSERA_API_URL: "http://env.internal:8470",
    });
    const flagged = await config(
      home,
      { ...database, TESSERA_API_URL: "http://env.internal:8470" },
      ["--profile", "db"],
    );
    expect(fallback.store).toEqual({
      kind: "sqlite",
      value: join(bare, "tessera-home", "tessera.db"),
      source: "default",
      reason: "TESSERA_HOME",
    });
    expect(used.store).toMatchObject({
      kind: "http",
      value: "http://127.0.0.1:9",
      source: "profile",
      reason: "tessera profile use",
      profile: "team",
    });
    // TESSERA_PROFILE beats the profile in use.
    expect(named.store).toMatchObject({
      kind: "postgres",
      source: "profile",
      reason: "TESSERA_PROFILE",
      profile: "db",
    });
    // The environment beats a profile.
    expect(environment.store).toMatchObject({
      kind: "http",
      value: "http://env.internal:8470",
      source: "environment",
      reason: "TESSERA_API_URL",
    });
    // The flag beats the environment.
    expect(flagged.store).toMatchObject({
      kind: "postgres",
      value: "postgres://db.internal:5432/blocks",
      source: "flag",
      reason: "--profile db",
    });
  });

  it("names the API key variable in force for a server, from the environment, a profile or the flag", async () => {
    const home = await homeWithProfiles();
    const fromEnvironment = await config(home, {
      TESSERA_API_URL: "http://env.internal:8470",
      TESSERA_API_KEY: "tsk_env",
    });
    const fromProfile = await config(home, { TEAM_TOKEN: "tsk_team" });
    const fromFlag = await config(
      home,
      { TEAM_TOKEN: "tsk_team", TESSERA_API_URL: "http://env.internal:8470" },
      ["--profile", "team"],
    );
    const none = await config(folder());
    expect(fromEnvironment.apiKey).toEqual({
      value: "TESSERA_API_KEY",
      source: "environment",
      reason: "TESSERA_API_URL",
    });
    expect(fromProfile.apiKey).toMatchObject({ value: "TEAM_TOKEN", source: "profile" });
    expect(fromFlag.apiKey).toMatchObject({ value: "TEAM_TOKEN", source: "flag" });
    expect(none.apiKey).toMatchObject({ value: null, source: "default" });
  });

  it("shows the master key source and the project configuration file in force", async () => {
    const home = folder();
    const project = join(home, "project");
    const nested = join(project, "src");
    rmSync(nested, { recursive: true, force: true });
    await import("node:fs").then(({ mkdirSync }) => mkdirSync(nested, { recursive: true }));
    writeFileSync(join(project, "tessera.config.json"), JSON.stringify({ modules: [] }));
    const key = Buffer.alloc(32, 7).toString("base64");
    const fromEnvironment = await config(home, { TESSERA_ENCRYPTION_KEY: key }, [], nested);
    const byDefault = await config(home);
    expect(fromEnvironment.masterKey).toEqual({
      value: "TESSERA_ENCRYPTION_KEY",
      source: "environment",
      reason: "TESSERA_ENCRYPTION_KEY",
    });
    expect(fromEnvironment.projectConfig).toMatchObject({
      value: join(project, "tessera.config.json"),
      source: "default",
    });
    expect(byDefault.masterKey).toMatchObject({
      value: join(home, "tessera-home", "master.key"),
      source: "default",
    });
    expect(byDefault.projectConfig).toMatchObject({ value: null, source: "default" });
    // Neither output shows a key, token or password.
    expect(JSON.stringify(fromEnvironment)).not.toContain(key);
  });

  it("never prints a credential, in text or JSON", async () => {
    const home = await homeWithProfiles();
    const variables = {
      TEAM_DB_URL: "postgres://app:hunter2-secret@db.internal:5432/blocks",
      TEAM_TOKEN: "tsk_team-secret",
    };
    const text = await tessera(home, ["--profile", "db", "config"], variables);
    const json = await tessera(home, ["config", "--json"], variables);
    expect(text.stdout).toContain("postgres://db.internal:5432/blocks");
    for (const run of [text, json]) {
      expect(run.stdout + run.stderr).not.toContain("hunter2-secret");
      expect(run.stdout + run.stderr).not.toContain("tsk_team-secret");
    }
  });

  it("refuses TESSERA_DATABASE_URL and TESSERA_API_URL together, naming both", async () => {
    const run = await tessera(folder(), ["config"], {
      TESSERA_DATABASE_URL: "postgres://app:pw@db.internal/blocks",
      TESSERA_API_URL: "http://env.internal:8470",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("INVALID_INPUT");
    expect(run.stderr).toContain("TESSERA_DATABASE_URL");
    expect(run.stderr).toContain("TESSERA_API_URL");
    expect(run.stderr).not.toContain("pw@");
  });

  it("names the variable a profile reads when it is unset, for a token and for a database URL", async () => {
    const home = await homeWithProfiles();
    const token = await tessera(home, ["config"]);
    const database = await tessera(home, ["--profile", "db", "block", "ls"]);
    expect(token.code).toBe(1);
    expect(token.stderr).toContain(
      'The profile "team" reads the API token from TEAM_TOKEN, which is not set.',
    );
    expect(database.code).toBe(1);
    expect(database.stderr).toContain("TEAM_DB_URL, which is not set");
  });

  it("opens the store the chosen profile names for every command", async () => {
    const home = await homeWithProfiles();
    // The team profile's server is not running: the command tries it, and says so.
    const run = await tesseraProcess(home, ["block", "ls"], { TEAM_TOKEN: "tsk_team" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("DATABASE_UNAVAILABLE");
    expect(run.stderr).toContain("127.0.0.1:9");
    expect(run.stderr).not.toContain("tsk_team");
  });
});
