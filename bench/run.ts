/**
 * `pnpm bench`: finds every `bench/*.bench.ts` in the workspace packages, runs their cases, prints
 * a table and writes `bench-results.json` at the repository root. A benchmark never fails the
 * test suite; targets are read from the report. `pnpm bench <filter>` runs only the files whose
 * path contains the filter.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type BenchResult, type BenchSuite, measureCase } from "./harness.js";

const root = resolve(import.meta.dirname, "..");
const filter = process.argv[2];

function benchFiles(): string[] {
  const packageDirs = [join(root, "core-blocks"), join(root, "test")];
  const integrations = join(root, "integrations");
  if (existsSync(integrations)) {
    for (const entry of readdirSync(integrations)) packageDirs.push(join(integrations, entry));
  }
  const files: string[] = [];
  for (const dir of packageDirs) {
    const benchDir = join(dir, "bench");
    if (!existsSync(benchDir)) continue;
    for (const file of readdirSync(benchDir).sort()) {
      if (file.endsWith(".bench.ts")) files.push(join(benchDir, file));
    }
  }
  return files.filter((file) => !filter || relative(root, file).includes(filter));
}

function formatRow(result: BenchResult): string[] {
  const status =
    result.ratio !== null
      ? result.ratio <= result.target
        ? "ok"
        : "over target"
      : result.value <= result.target
        ? "ok"
        : "over target";
  return [
    result.name,
    `${result.value} ${result.unit}`,
    result.floor === null ? "-" : `${result.floor} ${result.unit}`,
    result.ratio === null ? "-" : `${result.ratio}x`,
    result.ratio === null ? `<= ${result.target} ${result.unit}` : `<= ${result.target}x`,
    status,
  ];
}

function printTable(rows: string[][]): void {
  const header = ["case", "median", "floor", "ratio", "target", ""];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  for (const row of all) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  "));
  }
}

const results: BenchResult[] = [];
for (const file of benchFiles()) {
  console.log(`\n${relative(root, file)}`);
  const module = (await import(pathToFileURL(file).href)) as {
    default: () => Promise<BenchSuite>;
  };
  const suite = await module.default();
  try {
    for (const benchCase of suite.cases) {
      const result = await measureCase(benchCase);
      results.push(result);
      printTable([formatRow(result)]);
    }
  } finally {
    await suite.teardown?.();
  }
}

console.log("\nSummary");
printTable(results.map(formatRow));
writeFileSync(join(root, "bench-results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote bench-results.json (${results.length} cases).`);
