import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "./helpers/workspace.js";

// Every package entry's exported names, runtime and type-only, pinned by a snapshot: a name that
// appears or disappears shows up in review as a change to the public API, never by accident.

const entries = [
  { specifier: "@tessera/core", source: "core-blocks/src/index.ts" },
  { specifier: "@tessera/core/provider", source: "core-blocks/src/provider/index.ts" },
  { specifier: "@tessera/core/testing", source: "core-blocks/src/testing/index.ts" },
  { specifier: "@tessera/aws", source: "integrations/aws/src/index.ts" },
  { specifier: "@tessera/azure", source: "integrations/azure/src/index.ts" },
  { specifier: "@tessera/gcp", source: "integrations/gcp/src/index.ts" },
  { specifier: "@tessera/slack", source: "integrations/slack/src/index.ts" },
  { specifier: "@tessera/snowflake", source: "integrations/snowflake/src/index.ts" },
] as const;

/** Exported names as the type checker sees them: values (classes included) and type-only names. */
function declaredNames(): Map<string, { values: string[]; types: string[] }> {
  const configFile = join(repositoryRoot, "tsconfig.base.json");
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, repositoryRoot);
  const files = entries.map((entry) => join(repositoryRoot, entry.source));
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const names = new Map<string, { values: string[]; types: string[] }>();
  for (const entry of entries) {
    const sourceFile = program.getSourceFile(join(repositoryRoot, entry.source));
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (!moduleSymbol) throw new Error(`The type checker did not load ${entry.source}.`);
    const values: string[] = [];
    const types: string[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (target.flags & ts.SymbolFlags.Value) values.push(exported.name);
      else types.push(exported.name);
    }
    names.set(entry.specifier, { values: values.sort(), types: types.sort() });
  }
  return names;
}

describe("the public API of every package entry", () => {
  const declared = declaredNames();

  for (const entry of entries) {
    it(`${entry.specifier} exports exactly the runtime names it was designed with`, async () => {
      const module = (await import(entry.specifier)) as Record<string, unknown>;
      const runtime = Object.keys(module).sort();
      expect(runtime).toEqual(declared.get(entry.specifier)?.values);
      expect(runtime).toMatchSnapshot();
    });

    it(`${entry.specifier} exports exactly the type names it was designed with`, () => {
      expect(declared.get(entry.specifier)?.types).toMatchSnapshot();
    });
  }

  it("keeps internals out of the users' entry", async () => {
    const core = (await import("@tessera/core")) as Record<string, unknown>;
    for (const internal of [
      "closeMatches",
      "editDistance",
      "checksumInput",
      "encodeRich",
      "decodeRich",
      "setDebugWriter",
      "temporaryFileSuffix",
      "LocalFileStorage",
      "getDefaultResultStore",
      "getDefaultResultStorage",
      "ObjectStore",
    ]) {
      expect(core, internal).not.toHaveProperty(internal);
    }
  });
});
