// The tour's second process: loads the block by slug, knowing nothing but the slug.
import { inspect } from "node:util";
import { getDefaultStore, loadBlock } from "@tessera/core";
import "./tour-blocks.mjs";

const slug = process.argv[2] ?? "tour-warehouse/analytics";
const warehouse = await loadBlock(slug);
console.log(
  `  loaded ${warehouse.slug} (revision ${warehouse.revision}) in process ${process.pid}:`,
);
console.log(inspect(warehouse.toJSON(), { colors: false, depth: 4 }).replace(/^/gm, "    "));
const nested = warehouse.credentials;
console.log(`  nested block: ${nested.slug} (revision ${nested.revision}), stored as a reference`);
console.log(`  connection string: ${warehouse.connectionString()}`);
const password = await warehouse.credentials.password.reveal();
console.log(`  the password decrypts in this process (${password.length} characters, not shown)`);
await (await getDefaultStore()).close();
