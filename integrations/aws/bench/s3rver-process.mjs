// Runs s3rver in its own process for the S3 benchmark, so the measured process holds only the
// client side. Prints the port on stdout; exits when stdin closes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

const directory = mkdtempSync(join(tmpdir(), "tessera-bench-s3rver-"));
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: process.argv[2] ?? "bench" }],
});
const address = await server.run();
process.stdout.write(`${address.port}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
});
