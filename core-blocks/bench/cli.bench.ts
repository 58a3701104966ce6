/**
 * Cold start of the command line: `tessera block ls` in a fresh process over 200 stored documents
 * of provider block types (as defined by `@tessera/aws`), beside a bare `node -e ""` in the same
 * run (target 4x). Both are spawned the same way (`spawnSync` of this Node), interleaved. The CLI
 * is the built one (`dist/cli/bin.js`; `pnpm bench` builds first); the documents are written with
 * `importDocuments` into a temporary `TESSERA_HOME` that teardown removes.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BenchSuite } from "../../bench/harness.js";
import { openSqliteStore } from "../src/store/index.js";

const cliPath = resolve(import.meta.dirname, "../dist/cli/bin.js");
const documents = 200;

export default async (): Promise<BenchSuite> => {
  if (!existsSync(cliPath)) throw new Error(`Build @tessera/core first: ${cliPath} is missing.`);
  const home = mkdtempSync(join(tmpdir(), "tessera-cli-bench-"));
  const store = await openSqliteStore({ path: join(home, "tessera.db") });
  const definingPackage = { name: "@tessera/aws", version: "0.1.0", coreRange: "^0.1.0" };
  for (const type of ["aws-credentials", "s3-bucket"]) {
    await store.putBlockType({
      type,
      title: type,
      description: "",
      capabilities: [],
      schemaVersion: "0.1.0",
      checksum: `sha256:${"0".repeat(64)}`,
      jsonSchema: { type: "object" },
      secretFields: [],
      package: definingPackage,
      registeredAt: new Date().toISOString(),
    });
  }
  await store.importDocuments(
    Array.from({ length: documents }, (_, index) => ({
      id: randomUUID(),
      type: index % 2 === 0 ? "s3-bucket" : "aws-credentials",
      name: `bench-${index}`,
      data: { bucketName: `bucket-${index}`, bucketFolder: "results" },
      schemaChecksum: `sha256:${"0".repeat(64)}`,
      schemaVersion: "0.1.0",
      package: definingPackage,
      references: [],
      dataKey: null,
    })),
  );
  await store.close();

  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    TESSERA_HOME: home,
    TESSERA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    NO_COLOR: "1",
  };
  delete environment.NODE_OPTIONS;
  const spawn = (args: string[]) => {
    const result = spawnSync(process.execPath, args, { env: environment, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  };
  const listed = spawn([cliPath, "block", "ls"]).trim().split("\n").length - 1;
  if (listed !== documents)
    throw new Error(`tessera block ls listed ${listed} of ${documents} documents.`);

  return {
    cases: [
      {
        kind: "time",
        name: `tessera block ls cold start, ${documents} documents, vs node -e ""`,
        target: 4,
        iterations: 20,
        warmup: 3,
        run: () => spawn([cliPath, "block", "ls"]),
        floor: () => spawn(["-e", ""]),
      },
    ],
    teardown: () => rmSync(home, { recursive: true, force: true }),
  };
};
