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

/** How one column's values are typed. */
function typerOf(column: ColumnDescription): (value: unknown) => unknown {
  const type = column.getType();
  if (type === "real") {
    return (value) => (typeof value === "string" ? Number(value) : (value ?? null));
  }
  if (type === "fixed") {
    const scale = column.getScale();
    return (value) => (typeof value === "string" ? exactNumber(value, scale) : (value ?? null));
  }
  return (value) => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return new Date(value.getTime());
    return value;
  };
}

/**
 * A function that types each row of a result in place (the object the driver made for it, keyed by
 * column name) and returns it; each column's conversion is chosen once, not per row, and no
 * second object is made per row.
 */
export function rowTyper(
  columns: readonly ColumnDescription[],
): (row: Record<string, unknown>) => Record<string, unknown> {
  const names = columns.map((column) => column.getName());
  const typers = columns.map(typerOf);
  const count = columns.length;
  return (row) => {
    for (let index = 0; index < count; index++) {
      const name = names[index] as string;
      row[name] = (typers[index] as (value: unknown) => unknown)(row[name]);
    }
    return row;
  };
}
