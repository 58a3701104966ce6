// Runs the Snowflake emulator in its own process for the Snowflake benchmark, so the measured
// process holds only the client side. Prints the endpoint on stdout; exits when stdin closes.
import { startSnowflakeEmulator } from "@tessera/test-servers";

const emulator = await startSnowflakeEmulator({
  account: "BENCH",
  users: { BENCH: { password: "bench" } },
  rowsPerChunk: Number(process.argv[2] ?? 20_000),
});
process.stdout.write(`${emulator.endpoint}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await emulator.stop();
  process.exit(0);
});
