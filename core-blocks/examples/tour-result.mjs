// The tour's result process: a function wrapped with `persisted`. Its result goes to the default
// result storage (a local folder at $TESSERA_HOME/results on the embedded default) under a key
// made from its name, version and arguments, so any process that calls it with the same day gets
// the stored result instead of running it again.
// Usage: node examples/tour-result.mjs <day> [--refresh]
import { persisted } from "@tessera/core";

const [day = "2024-06-01", flag] = process.argv.slice(2);
let ran = false;

const dailyReport = persisted(
  async (reportDay) => {
    ran = true;
    // Stands for an expensive query; the result is what later callers read back.
    return {
      day: reportDay,
      orders: 1284,
      computedBy: process.pid,
      computedAt: new Date().toISOString(),
    };
  },
  {
    name: "daily-report",
    version: "1",
    expiresIn: 24 * 60 * 60 * 1000,
    refresh: flag === "--refresh",
  },
);

const result = await dailyReport(day);
console.log(
  ran
    ? `  process ${process.pid} ran daily-report(${day}) and stored its result`
    : `  process ${process.pid} read the stored result of daily-report(${day}) without running it`,
);
console.log(`  ${JSON.stringify(result)}`);
if (!ran && result.computedBy === process.pid) process.exit(1);
