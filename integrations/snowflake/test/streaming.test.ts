import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalFileSystem, ResultStore } from "@tessera/core";
import type { SnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor, startEmulator } from "./support/emulator.js";

let emulator: SnowflakeEmulator;
let folder: string;
beforeAll(async () => {
  emulator = await startEmulator(2000);
  folder = await mkdtemp(join(tmpdir(), "tessera-snowflake-results-"));
});
afterAll(async () => {
  await emulator?.stop();
  await rm(folder, { recursive: true, force: true });
});

const ROWS = 100_000;
const PAD = 200;
const wideRows = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT i AS id, printf('%0${PAD}d', i) AS pad FROM n`;

describe("SnowflakeConnector streaming", () => {
  it(`streams ${ROWS} rows of ${PAD} bytes with memory bounded well below the result's size`, async () => {
    await using connector = connectorFor(emulator.endpoint);
    // The driver and the session are loaded first, so the baseline holds them.
    await connector.query(wideRows.replace(String(ROWS), "3000"));
    const gc = (globalThis as { gc?: () => void }).gc as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let sum = 0;
    for await (const row of connector.stream(wideRows)) {
      count += 1;
      sum += row.ID as number;
      if (count % 20_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(count).toBe(ROWS);
    expect(sum).toBe((ROWS * (ROWS + 1)) / 2);
    const resultBytes = ROWS * PAD;
    // Holding every row would take more than the result's bytes; a stream holds a few chunks.
    expect(peak).toBeLessThan(resultBytes / 2);
  });

  it("stops reading chunks when the loop is left early", async () => {
    await using connector = connectorFor(emulator.endpoint);
    const before = emulator.requests.filter((request) =>
      request.path.startsWith("/chunks/"),
    ).length;
    for await (const row of connector.stream(wideRows)) {
      if ((row.ID as number) >= 15_000) break;
    }
    const fetched =
      emulator.requests.filter((request) => request.path.startsWith("/chunks/")).length - before;
    // 15 000 rows are the inline chunk and 7 more of 2000; the driver reads 2 ahead, not all 49.
    expect(fetched).toBeLessThanOrEqual(10);
  });

  it("persists a query into a storage block as NDJSON and into a ResultStore as CSV", async () => {
    await using connector = connectorFor(emulator.endpoint);
    await connector.execute(
      "CREATE OR REPLACE TABLE export_rows (id NUMBER(38,0), label VARCHAR, payload VARIANT, day DATE)",
    );
    await connector.executeMany("INSERT INTO export_rows VALUES (?, ?, PARSE_JSON(?), ?)", [
      ["9007199254740993", 'comma, "quote"', '{"a":1}', "2024-01-02"],
      ["2", "plain", "[1,2]", "2024-01-03"],
    ]);
    const storage = new LocalFileSystem({ basePath: folder });
    const written = await connector.persistQuery("SELECT * FROM export_rows ORDER BY id DESC", {
      storage,
      key: "exports/rows.ndjson",
    });
    expect(written).toEqual({ rows: 2 });
    const ndjson = await readFile(join(folder, "exports/rows.ndjson"), "utf8");
    expect(ndjson.split("\n")[0]).toBe(
      '{"ID":9007199254740993,"LABEL":"comma, \\"quote\\"","PAYLOAD":{"a":1},"DAY":"2024-01-02T00:00:00.000Z"}',
    );
    const store = new ResultStore({ storage });
    await connector.persistQuery("SELECT id, label FROM export_rows ORDER BY id DESC", {
      storage: store,
      key: "exports/rows-csv",
      format: "csv",
    });
    const csv = (await store.get("exports/rows-csv")) as Buffer;
    expect(csv.toString("utf8")).toBe(
      'ID,LABEL\r\n9007199254740993,"comma, ""quote"""\r\n2,plain\r\n',
    );
  });
});
