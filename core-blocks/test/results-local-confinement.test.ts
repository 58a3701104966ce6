import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileEntry } from "../src/index.js";
import { LocalFileSystem } from "../src/results/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "..");
const run = promisify(execFile);

async function collect(entries: AsyncIterable<FileEntry>): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of entries) paths.push(entry.path);
  return paths;
}

/** Every path under a folder, relative to it, links included and never followed. */
async function tree(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).map(String).sort();
}

describe("LocalFileSystem stays inside its base folder", () => {
  let root: string;
  let basePath: string;
  let outside: string;
  let fileSystem: LocalFileSystem;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "tessera-confinement-"));
    basePath = join(root, "base");
    outside = join(root, "outside");
    await mkdir(basePath);
    await mkdir(join(outside, "nested"), { recursive: true });
    await writeFile(join(outside, "secret.txt"), "outside");
    await writeFile(join(outside, "nested", "deep.txt"), "outside too");
    // A folder link and a file link, both leading out of the base.
    await symlink(outside, join(basePath, "linked-folder"));
    await symlink(join(outside, "secret.txt"), join(basePath, "linked-file"));
    fileSystem = new LocalFileSystem({ basePath });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const outsideBefore = ["nested", "nested/deep.txt", "secret.txt"];

  it("refuses to read through a linked folder or a linked file that leads out", async () => {
    for (const path of [
      "linked-folder/secret.txt",
      "linked-folder/nested/deep.txt",
      "linked-file",
    ]) {
      await expect(fileSystem.readPath(path)).rejects.toMatchObject({ code: "PATH_OUTSIDE_BASE" });
      await expect(fileSystem.createReadStream(path)).rejects.toMatchObject({
        code: "PATH_OUTSIDE_BASE",
      });
    }
  });

  it("refuses to say whether a file exists through a link that leads out", async () => {
    for (const path of [
      "linked-folder/secret.txt",
      "linked-folder/nested/deep.txt",
      "linked-file",
    ]) {
      await expect(fileSystem.exists(path)).rejects.toMatchObject({ code: "PATH_OUTSIDE_BASE" });
    }
  });

  it("never deletes an outside file or prunes an outside folder through a link", async () => {
    for (const path of [
      "linked-folder/secret.txt",
      "linked-folder/nested/deep.txt",
      "linked-file",
    ]) {
      await expect(fileSystem.delete(path)).rejects.toMatchObject({ code: "PATH_OUTSIDE_BASE" });
    }
    expect(await tree(outside)).toEqual(outsideBefore);
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("outside");
  });

  it("never writes through a linked folder, and replaces a linked file inside the base instead of writing to its target", async () => {
    for (const path of [
      "linked-folder/new.txt",
      "linked-folder/nested/new.txt",
      "linked-folder/a/b.txt",
    ]) {
      await expect(fileSystem.writePath(path, "escaped")).rejects.toMatchObject({
        code: "PATH_OUTSIDE_BASE",
      });
    }
    await fileSystem.writePath("linked-file", "inside");
    expect(await tree(outside)).toEqual(outsideBefore);
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("outside");
    expect(Buffer.from(await fileSystem.readPath("linked-file")).toString()).toBe("inside");
  });

  it("lists nothing through a link that leads out", async () => {
    await fileSystem.writePath("own/file.txt", "inside");
    expect(await collect(fileSystem.list())).toEqual(["own/file.txt"]);
    expect(await collect(fileSystem.list("linked-folder/"))).toEqual([]);
    expect(await collect(fileSystem.list("linked-folder/nested/"))).toEqual([]);
    expect(await collect(fileSystem.list("linked-file"))).toEqual([]);
  });

  it("follows links that stay inside the base, and deletes such a link rather than its target", async () => {
    await fileSystem.writePath("real/data.txt", "inside");
    await symlink(join(basePath, "real"), join(basePath, "alias-folder"));
    await symlink(join(basePath, "real", "data.txt"), join(basePath, "alias-file"));
    expect(Buffer.from(await fileSystem.readPath("alias-folder/data.txt")).toString()).toBe(
      "inside",
    );
    expect(Buffer.from(await fileSystem.readPath("alias-file")).toString()).toBe("inside");
    expect(await fileSystem.exists("alias-file")).toBe(true);
    expect(await fileSystem.delete("alias-file")).toBe(true);
    expect(await fileSystem.exists("real/data.txt")).toBe(true);
    await fileSystem.writePath("alias-folder/more.txt", "inside");
    expect(await readFile(join(basePath, "real", "more.txt"), "utf8")).toBe("inside");
  });

  it("works with the root folder as its base", async () => {
    const rootFileSystem = new LocalFileSystem({ basePath: "/" });
    const key = join(root, "from-root", "deeper", "file.txt").slice(1);
    // Keeps the pruning of emptied folders away from the test's own folder.
    await writeFile(join(root, "keep"), "");
    expect(await rootFileSystem.writePath(`/${key}`, "at the root")).toBe(key);
    expect(Buffer.from(await rootFileSystem.readPath(key)).toString()).toBe("at the root");
    expect(await rootFileSystem.exists(key)).toBe(true);
    expect(await collect(rootFileSystem.list(join(root, "from-root").slice(1)))).toEqual([key]);
    expect(await rootFileSystem.delete(key)).toBe(true);
    expect(await readdir(root)).not.toContain("from-root");
  });

  it("never writes outside while another process keeps swapping a folder for a link that leads out", async () => {
    await writeFile(join(outside, "keep.txt"), "outside");
    const swapper = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "fixtures", "results-symlink-swapper.ts"), basePath, outside],
      { cwd: packageRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((ready, failed) => {
        createInterface({ input: swapper.stdout }).once("line", () => ready());
        swapper.once("exit", (code) => failed(new Error(`the swapper exited (${code})`)));
      });
      const outcomes = new Map<string, number>();
      for (let attempt = 0; attempt < 300; attempt++) {
        for (const path of [
          `sub/file-${attempt}.txt`,
          `sub/deeper/file-${attempt}.txt`,
          "target",
        ]) {
          let outcome = "written";
          try {
            await fileSystem.writePath(path, "must stay inside");
          } catch (error) {
            outcome = (error as { code?: string }).code ?? "unknown";
          }
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }
      // Both sides of the race were met: some writes landed inside, some were refused.
      expect(outcomes.get("written")).toBeGreaterThan(0);
      expect(outcomes.get("PATH_OUTSIDE_BASE")).toBeGreaterThan(0);
    } finally {
      swapper.kill("SIGKILL");
      await new Promise((exited) => swapper.once("exit", exited));
    }
    expect(await tree(outside)).toEqual([...outsideBefore, "keep.txt"].sort());
    expect(await readFile(join(outside, "keep.txt"), "utf8")).toBe("outside");
  }, 120_000);
});

describe("LocalFileSystem file modes", () => {
  it("creates the results folder and its folders 0700 and result files 0600, even under umask 000", async () => {
    const home = await mkdtemp(join(tmpdir(), "tessera-modes-"));
    try {
      const { stdout } = await run(
        process.execPath,
        ["--import", "tsx", join(here, "fixtures", "results-umask-child.ts")],
        { cwd: packageRoot, env: { ...process.env, TESSERA_HOME: join(home, "tessera") } },
      );
      const modes = JSON.parse(stdout) as Record<string, string>;
      const folders = Object.entries(modes).filter(([name]) => !/\.[a-z]+$/.test(name));
      const files = Object.entries(modes).filter(([name]) => /\.[a-z]+$/.test(name));
      expect(folders.map(([name]) => name)).toEqual(
        expect.arrayContaining(["results", "results/daily", "files", "files/a", "files/a/b"]),
      );
      expect(files.length).toBe(3); // the payload, its record and c.txt
      for (const [name, mode] of folders) expect({ name, mode }).toEqual({ name, mode: "700" });
      for (const [name, mode] of files) expect({ name, mode }).toEqual({ name, mode: "600" });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
