/**
 * Rows as text lines, for `persistQuery`: NDJSON (one JSON object per line) and CSV (RFC 4180:
 * a header line, fields quoted when they hold a comma, quote or line break). A `bigint` is written
 * with all its digits, a `Date` as ISO 8601, a variant as its JSON.
 */

/** JSON of a value, with bigints as their exact digits and dates as ISO strings. */
function json(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(json).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${json(item === undefined ? null : item)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text =
    typeof value === "string"
      ? value
      : value instanceof Date
        ? value.toISOString()
        : typeof value === "object"
          ? json(value)
          : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Lines of NDJSON, counting rows into `counter`. */
export async function* rowsAsNdjson(
  rows: AsyncIterable<Record<string, unknown>>,
  counter: { rows: number },
): AsyncGenerator<string> {
  for await (const row of rows) {
    counter.rows += 1;
    yield `${json(row)}\n`;
  }
}

/** Lines of CSV with a header from the first row's columns, counting rows into `counter`. */
export async function* rowsAsCsv(
  rows: AsyncIterable<Record<string, unknown>>,
  counter: { rows: number },
): AsyncGenerator<string> {
  let header: string[] | undefined;
  for await (const row of rows) {
    if (header === undefined) {
      header = Object.keys(row);
      yield `${header.map(csvField).join(",")}\r\n`;
    }
    counter.rows += 1;
    yield `${header.map((name) => csvField(row[name])).join(",")}\r\n`;
  }
}
