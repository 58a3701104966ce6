// A short tour of Tessera on the embedded store, through the three things people come for, driven
// by the `tessera` command line the way a user would type it:
//   1. a provider package, installed and checked against this core (`tessera integrations`);
//   2. configuration with secrets, saved as typed blocks: register types from a local module,
//      create a block with a secret and a nested block, load it from a fresh process, edit it,
//      and show its revision history and a diff;
//   3. a function's result persisted to storage (a local folder under TESSERA_HOME) and read back
//      by another process without running the function again.
// Run it from the repository root with `npm run tour`; it is safe to run again.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getDefaultStore, tesseraHome } from "@tessera/core";

const cli = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const blocksModule = fileURLToPath(new URL("./tour-blocks.mjs", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
// The folder the commands run in. Part 2 runs in examples/, whose tessera.config.json lists
// tour-blocks.mjs: the CLI loads block classes only from modules the project names (and from
// installed integrations), never from a path kept in the store.
let workingFolder = repositoryRoot;
const part = (text) => console.log(`\n== ${text}`);
const step = (text) => console.log(`\n> ${text}`);

/** Runs `tessera <args>` as its own process, printing the command line and its output. */
function tessera(args, { env = {}, capture = false } = {}) {
  const shown = args.map((arg) => (/[\s"'$]/.test(arg) ? `'${arg}'` : arg)).join(" ");
  console.log(`  $ tessera ${shown.replace(blocksModule, "examples/tour-blocks.mjs")}`);
  const result = spawnSync(process.execPath, [cli, ...args], {
    // The repository root, where the workspace's packages are installed as a user's are.
    cwd: workingFolder,
    env: { ...process.env, ...env },
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout;
}

console.log("Tessera tour");
console.log(`  TESSERA_HOME=${tesseraHome()}`);

part("Part 1 of 3. A provider package, installed and checked");
step("1. Which integrations are installed here, and does each support this core?");
tessera(["integrations"]);
step("2. Register the block types @tessera/aws defines, and list every registered type");
tessera(["block", "register", "-m", "@tessera/aws"]);
tessera(["block", "type", "ls"]);

part("Part 2 of 3. Configuration with secrets, saved as typed blocks");
workingFolder = fileURLToPath(new URL(".", import.meta.url));
step("1. Register the two block types defined in examples/tour-blocks.mjs");
tessera(["block", "register", "-f", blocksModule]);
tessera(["block", "type", "inspect", "tour-warehouse"]);

step("2. Save credentials (the password comes from an environment variable, never an argument)");
tessera(
  [
    "block",
    "create",
    "tour-warehouse-credentials",
    "analytics",
    "--set",
    "user=etl",
    "--secret-from-env",
    "password=TOUR_PASSWORD",
    "--overwrite",
  ],
  { env: { TOUR_PASSWORD: "correct-horse-battery" } },
);
const store = await getDefaultStore();
const row = await store.get({ type: "tour-warehouse-credentials", name: "analytics" });
console.log(
  `  at rest the password is ciphertext: ${JSON.stringify(row.data.password).slice(0, 40)}…`,
);
await store.close();

step("3. Save a warehouse that references the credentials (a nested block, stored as a reference)");
tessera([
  "block",
  "create",
  "tour-warehouse",
  "analytics",
  "--set",
  "host=db.internal",
  "--set",
  "database=analytics",
  "--link",
  "credentials=tour-warehouse-credentials/analytics",
  "--overwrite",
]);

step("4. Inspect it from a fresh process: the secret stays masked");
tessera(["block", "inspect", "tour-warehouse/analytics"]);
tessera(["block", "inspect", "tour-warehouse-credentials/analytics"]);

step("5. Load it in code, in another process that knows nothing but the slug");
const loader = fileURLToPath(new URL("./tour-load.mjs", import.meta.url));
const child = spawnSync(
  process.execPath,
  [...process.execArgv, loader, "tour-warehouse/analytics"],
  {
    stdio: "inherit",
  },
);
if (child.status !== 0) process.exit(child.status ?? 1);

step("6. Edit it: the save is a compare-and-swap on the revision just read");
const current = JSON.parse(
  tessera(["block", "inspect", "tour-warehouse/analytics", "--json"], { capture: true }),
);
console.log(`  (revision ${current.revision}, schemaName "${current.data.schemaName}")`);
const next = current.data.schemaName === "reporting" ? "public" : "reporting";
tessera(["block", "edit", "tour-warehouse/analytics", "--set", `schemaName=${next}`]);

step("7. Its revision history, and what the edit changed");
tessera(["block", "history", "tour-warehouse/analytics"]);
tessera([
  "block",
  "diff",
  "tour-warehouse/analytics",
  String(current.revision),
  String(current.revision + 1),
]);
const history = JSON.parse(
  tessera(["block", "history", "tour-warehouse/analytics", "--json"], { capture: true }),
);
step("8. The oldest kept revision still loads");
tessera([
  "block",
  "inspect",
  "tour-warehouse/analytics",
  "--revision",
  String(history.at(-1).revision),
]);

workingFolder = repositoryRoot;
part("Part 3 of 3. A function's result, persisted and read back by another process");
const resultProcess = fileURLToPath(new URL("./tour-result.mjs", import.meta.url));
/** Runs examples/tour-result.mjs as its own process. */
function report(args) {
  console.log(`  $ node examples/tour-result.mjs ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [...process.execArgv, resultProcess, ...args], {
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
step("1. One process computes the day's report and persists it ($TESSERA_HOME/results)");
report(["2024-06-01", "--refresh"]);
step(
  "2. Another process asks for the same day: the stored result comes back, the function never runs",
);
report(["2024-06-01"]);

console.log("\nDone. Run it again: saves overwrite, so the history grows.");
