import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fixtureIntegrationDirectories,
  integrationDirectories,
  type PackageJson,
  readPackageJson,
  repositoryRoot,
} from "./helpers/workspace.js";

// A copy of the repository's release set-up: the changesets config, core's package.json, every
// integration's package.json and the fixture integration's, in a fresh git repository on `main`.
// Pending changesets are added and `changeset version` (the root devDependency) applied, as a
// release would.

const changesetBin = join(repositoryRoot, "node_modules", ".bin", "changeset");
const root = mkdtempSync(join(tmpdir(), "tessera-changesets-"));
const coreBefore = readPackageJson(join(repositoryRoot, "core-blocks"));
const integrationsBefore = new Map<string, PackageJson>();

function git(...args: string[]): void {
  execFileSync("git", args, {
    cwd: root,
    stdio: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Tessera tests",
      GIT_AUTHOR_EMAIL: "tests@tessera.invalid",
      GIT_COMMITTER_NAME: "Tessera tests",
      GIT_COMMITTER_EMAIL: "tests@tessera.invalid",
    },
  });
}

function copyPackage(from: string, to: string): void {
  mkdirSync(join(root, to), { recursive: true });
  for (const file of ["package.json", "CHANGELOG.md"]) {
    if (existsSync(join(from, file))) cpSync(join(from, file), join(root, to, file));
  }
}

function pendingChangeset(file: string, bump: "patch" | "minor" | "major"): void {
  writeFileSync(
    join(root, ".changeset", file),
    `---\n"@tessera/core": ${bump}\n---\n\nA ${bump} change to core.\n`,
  );
}

function changesetVersion(): void {
  execFileSync(changesetBin, ["version"], { cwd: root, stdio: "pipe" });
  git("add", "-A");
  git("commit", "-q", "-m", "Version packages");
}

function packageAt(directory: string): PackageJson {
  return readPackageJson(join(root, directory));
}

beforeAll(() => {
  mkdirSync(join(root, ".changeset"), { recursive: true });
  cpSync(
    join(repositoryRoot, ".changeset", "config.json"),
    join(root, ".changeset", "config.json"),
  );
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name: "tessera", private: true, version: "0.0.0" }),
  );
  writeFileSync(
    join(root, "pnpm-workspace.yaml"),
    "packages:\n  - core-blocks\n  - integrations/*\n",
  );
  // The changelog generator is resolved from the repository's own dependencies.
  symlinkSync(join(repositoryRoot, "node_modules"), join(root, "node_modules"), "dir");
  copyPackage(join(repositoryRoot, "core-blocks"), "core-blocks");
  for (const directory of [...integrationDirectories(), ...fixtureIntegrationDirectories()]) {
    const target = join("integrations", basename(directory));
    copyPackage(directory, target);
    const packageJson = packageAt(target);
    // Fixtures are private (never published); in this copy they stand for a published provider.
    if (packageJson.private) {
      delete packageJson.private;
      writeFileSync(join(root, target, "package.json"), JSON.stringify(packageJson, null, 2));
    }
    integrationsBefore.set(target, packageAt(target));
  }
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "Initial state");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("releasing with changesets", () => {
  it("versions packages independently, with the peer ranges left alone on a core minor", () => {
    const config = JSON.parse(readFileSync(join(root, ".changeset", "config.json"), "utf8"));
    expect(config.fixed).toEqual([]);
    expect(config.linked).toEqual([]);
    expect(
      config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH
        .onlyUpdatePeerDependentsWhenOutOfRange,
    ).toBe(true);
    expect(integrationsBefore.size).toBeGreaterThan(0);
  });

  it("a core minor release leaves every integration's version and core range untouched", () => {
    pendingChangeset("core-minor.md", "minor");
    changesetVersion();
    const core = packageAt("core-blocks");
    expect(core.version).toBe(semver.inc(coreBefore.version, "minor"));
    for (const [directory, before] of integrationsBefore) {
      const after = packageAt(directory);
      expect({ name: after.name, version: after.version }).toEqual({
        name: before.name,
        version: before.version,
      });
      const range = after.peerDependencies?.["@tessera/core"];
      expect({ name: after.name, range }).toEqual({
        name: before.name,
        range: before.peerDependencies?.["@tessera/core"],
      });
      // Still honest: the range includes the new core.
      expect({ name: after.name, inRange: semver.satisfies(core.version, range ?? "") }).toEqual({
        name: after.name,
        inRange: true,
      });
      expect(after.devDependencies?.["@tessera/core"]).toBe("workspace:*");
    }
    const changelog = readFileSync(join(root, "core-blocks", "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(/^# @tessera\/core\n/);
    expect(changelog).toContain(`## ${core.version}\n\n### Minor Changes\n`);
    expect(changelog).toContain("A minor change to core.");
  });

  it("a core major release bumps each integration's major and moves its range to the new core only", () => {
    const coreAtMinor = packageAt("core-blocks").version;
    pendingChangeset("core-major.md", "major");
    changesetVersion();
    const core = packageAt("core-blocks");
    expect(core.version).toBe(semver.inc(coreAtMinor, "major"));
    const nextMajor = semver.inc(core.version, "major") ?? "";
    for (const [directory, before] of integrationsBefore) {
      const after = packageAt(directory);
      const range = after.peerDependencies?.["@tessera/core"] ?? "";
      expect({ name: after.name, version: after.version, range }).toEqual({
        name: before.name,
        version: semver.inc(before.version, "major"),
        range: `^${core.version}`,
      });
      // An honest range: the new core, not the old one, and not the next major either.
      expect(semver.satisfies(core.version, range)).toBe(true);
      expect(semver.satisfies(coreAtMinor, range)).toBe(false);
      expect(semver.satisfies(nextMajor, range)).toBe(false);
      const changelog = readFileSync(join(root, directory, "CHANGELOG.md"), "utf8");
      expect(changelog).toMatch(new RegExp(`^# ${after.name.replace("/", "\\/")}\\n`));
      expect(changelog).toContain(`## ${after.version}`);
      expect(changelog).toContain(`@tessera/core@${core.version}`);
    }
  });
});
