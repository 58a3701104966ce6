/**
 * Rows as users want them: numbers exact (an integer beyond 2^53 is a `bigint`, a decimal that a
 * `number` cannot hold exactly stays a string), dates as plain `Date`, variants parsed. The
 * driver is asked for numbers as strings (`fetchAsString: ["Number"]`), so nothing is rounded
 * before this file sees it.
 */

/** What this file reads of the driver's column description. */
interface ColumnDescription {
  getName(): string;
  getType(): string;
  getScale(): number;
}

/** A decimal string without insignificant zeros, for comparing with `String(Number(text))`. */
function canonicalDecimal(text: string): string {
  let canonical = text.trim();
  if (canonical.includes(".")) canonical = canonical.replace(/0+$/, "").replace(/\.$/, "");
  canonical = canonical.replace(/^(-?)0+(?=\d)/, "$1");
  return canonical === "-0" ? "0" : canonical;
}

/** A NUMBER value from its exact text: number when exact, else bigint (integers) or string. */
function exactNumber(text: string, scale: number): number | bigint | string {
  const value = Number(text);
  if (scale === 0 && /^-?\d+$/.test(text.trim())) {
    return Number.isSafeInteger(value) ? value : BigInt(text.trim());
  }
  if (!Number.isFinite(value)) return text;
  return String(value) === canonicalDecimal(text) ? value : text;
}

function typedValue(value: unknown, column: ColumnDescription): unknown {
  if (value === null || value === undefined) return null;
  const type = column.getType();
  if (typeof value === "string" && (type === "fixed" || type === "real")) {
    return type === "real" ? Number(value) : exactNumber(value, column.getScale());
  }
  if (value instanceof Date) return new Date(value.getTime());
  return value;
}

/** A driver row with each column's value typed (see the file comment). */
export function typedRow(
  row: Record<string, unknown>,
  columns: readonly ColumnDescription[],
): Record<string, unknown> {
  const typed: Record<string, unknown> = {};
  for (const column of columns) {
    const name = column.getName();
    typed[name] = typedValue(row[name], column);
  }
  return typed;
}
