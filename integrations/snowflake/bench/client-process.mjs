// One client side of the Snowflake benchmark in a process of its own, so its peak RSS is its own:
// plain Node (no TypeScript loader) with the built package (`pnpm bench` builds it first).
//   node client-process.mjs login <endpoint>               loads snowflake-sdk and logs in
//   node client-process.mjs driver <endpoint> <sql> <n>    the driver's streamRows of the query
//   node client-process.mjs connector <endpoint> <sql> <n> SnowflakeConnector.stream of the query
// Prints one JSON line: { rows, ms, peakRssMb } (peak RSS from the kernel, so no sampling gap).
const [mode, endpoint, sql, expected] = process.argv.slice(2);

function peakRssMb() {
  // resourceUsage().maxRSS is in kilobytes.
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

async function bareConnection() {
  const { default: snowflake } = await import("snowflake-sdk");
  snowflake.configure({ logLevel: "OFF" });
  const connection = snowflake.createConnection({
    account: "bench",
    username: "bench",
    password: "bench",
    accessUrl: endpoint,
  });
  await new Promise((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve())),
  );
  return connection;
}

async function driverRows(connection) {
  const statement = await new Promise((resolve, reject) =>
    connection.execute({
      sqlText: sql,
      streamResult: true,
      complete: (error, executed) => (error ? reject(error) : resolve(executed)),
    }),
  );
  let rows = 0;
  for await (const _row of statement.streamRows()) rows += 1;
  return rows;
}

let rows = 0;
let ms = 0;
if (mode === "login" || mode === "driver") {
  const connection = await bareConnection();
  const start = performance.now();
  if (mode === "driver") rows = await driverRows(connection);
  ms = performance.now() - start;
  await new Promise((resolve) => connection.destroy(() => resolve()));
} else if (mode === "connector") {
  const { SnowflakeConnector, SnowflakeCredentials } = await import("../dist/index.js");
  const connector = new SnowflakeConnector({
    credentials: new SnowflakeCredentials({
      account: "bench",
      user: "bench",
      authenticator: "password",
      password: "bench",
      accessUrl: endpoint,
    }),
  });
  const start = performance.now();
  for await (const _row of connector.stream(sql)) rows += 1;
  ms = performance.now() - start;
  await connector.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
if (expected !== undefined && rows !== Number(expected)) {
  throw new Error(`streamed ${rows} rows, expected ${expected}`);
}
process.stdout.write(`${JSON.stringify({ rows, ms: Math.round(ms), peakRssMb: peakRssMb() })}\n`);
