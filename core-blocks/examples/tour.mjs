// A short tour of Tessera on the embedded store: define block types, save a block with a secret
// and a nested block, load it back in a fresh process, edit it, and show its revision history.
// Run it from the repository root with `npm run tour`; it is safe to run again.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getDefaultStore, tesseraHome } from "@tessera/core";
import { Warehouse, WarehouseCredentials } from "./tour-blocks.mjs";

const step = (text) => console.log(`\n> ${text}`);
const store = await getDefaultStore();

console.log("Tessera tour");
console.log(`  store: ${store.kind} at ${store.location} (TESSERA_HOME=${tesseraHome()})`);

step("1. Two block types are defined in examples/tour-blocks.mjs");
for (const BlockClass of [WarehouseCredentials, Warehouse]) {
  console.log(
    `  ${BlockClass.type} (schema ${BlockClass.version}, ${BlockClass.checksum.slice(0, 19)}…)`,
  );
  console.log(`    secret fields: ${BlockClass.secretFields.join(", ") || "none"}`);
}

step("2. Save the credentials (the password is encrypted at rest) and a warehouse that nests them");
const credentials = new WarehouseCredentials({ user: "etl", password: "correct-horse-battery" });
await credentials.save("analytics", { overwrite: true });
console.log(`  saved ${credentials.slug} as revision ${credentials.revision}`);
const row = await store.get({ type: WarehouseCredentials.type, name: "analytics" });
console.log(
  `  at rest the password is ciphertext: ${JSON.stringify(row.data.password).slice(0, 40)}…`,
);
const warehouse = new Warehouse({ host: "db.internal", database: "analytics", credentials });
await warehouse.save("analytics", { overwrite: true });
console.log(`  saved ${warehouse.slug} as revision ${warehouse.revision}`);
console.log(`  printed, the secret stays masked: ${JSON.stringify(warehouse)}`);

step("3. Load it back by slug in a fresh process");
const loader = fileURLToPath(new URL("./tour-load.mjs", import.meta.url));
const child = spawnSync(process.execPath, [...process.execArgv, loader, warehouse.slug], {
  stdio: "inherit",
});
if (child.status !== 0) process.exit(child.status ?? 1);

step("4. Edit it: change the schema name, saving only if nobody else changed it meanwhile");
const loaded = await Warehouse.load("analytics");
loaded.schemaName = loaded.schemaName === "reporting" ? "public" : "reporting";
await loaded.save("analytics", { expectedRevision: loaded.revision });
console.log(
  `  ${loaded.slug} is now at revision ${loaded.revision} (schemaName "${loaded.schemaName}")`,
);

step("5. Its revision history, newest first");
for (const entry of (await Warehouse.history("analytics")).slice(0, 5)) {
  const when = entry.updatedAt.replace("T", " ").slice(0, 19);
  console.log(
    `  revision ${String(entry.revision).padStart(3)}  ${entry.operation.padEnd(8)} ${when}  schema ${entry.schemaVersion}`,
  );
}
const first = await Warehouse.load("analytics", {
  revision: (await Warehouse.history("analytics")).at(-1).revision,
});
console.log(`  the oldest kept revision still loads: schemaName "${first.schemaName}"`);

await store.close();
console.log("\nDone. Run it again: saves overwrite, so the history grows.");
