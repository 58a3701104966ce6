import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidProjectConfigError } from "../errors/index.js";
import { findProjectConfig } from "./project-config.js";

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tessera-project-config-"));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function write(text: string, mode = 0o644): string {
  const file = join(folder, "tessera.config.json");
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

function problem(from: string = folder): InvalidProjectConfigError {
  try {
    findProjectConfig(from);
  } catch (error) {
    if (InvalidProjectConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected INVALID_PROJECT_CONFIG");
}

describe("the project configuration file", () => {
  it("is the nearest tessera.config.json in the folder or a folder above it", () => {
    const file = write(JSON.stringify({ modules: ["./blocks.mjs", "@acme/blocks"] }));
    const nested = join(folder, "a", "b");
    mkdirSync(nested, { recursive: true });
    expect(findProjectConfig(nested)).toEqual({
      file,
      directory: folder,
      modules: ["./blocks.mjs", "@acme/blocks"],
    });
  });

  it("refuses a file that is not JSON, has other keys, or lists something that is neither a path nor a package", () => {
    write("{ modules: [");
    expect(problem().message).toContain("is not valid JSON");
    write(JSON.stringify({ modules: ["./a.mjs"], plugins: ["x"] }));
    expect(problem().message).toContain("unexpected shape");
    write(JSON.stringify({ modules: ["Not A Package!"] }));
    expect(problem().message).toContain('"Not A Package!"');
  });

  it("refuses a file that group or others can write, since it names code to run", () => {
    write(JSON.stringify({ modules: ["./blocks.mjs"] }), 0o664);
    const error = problem();
    expect(error.code).toBe("INVALID_PROJECT_CONFIG");
    expect(error.message).toContain("chmod go-w");
  });
});
