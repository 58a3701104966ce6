import { createColors } from "picocolors";

/** The colour functions the CLI uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof createColors>;

/** Where a command writes, and how. Commands never touch `process.stdout` directly. */
export interface Output {
  /** Writes a line (or lines) to standard output. */
  line(text?: string): void;
  /** Writes a line to standard error (notes, warnings, progress). */
  note(text: string): void;
  /** Writes bytes (or text) to standard output exactly as given: no newline is added. */
  raw(data: Uint8Array | string): void;
  /** Writes a value as pretty-printed JSON to standard output. */
  json(value: unknown): void;
  /** Writes rows as an aligned table with a header row. */
  table(header: string[], rows: string[][]): void;
  /** Writes `label  value` pairs, labels aligned. */
  fields(pairs: Array<[string, string]>): void;
  /** Colour functions for standard output: active only on a terminal (and NO_COLOR unset). */
  readonly colors: Colors;
  /** Colour functions for standard error, decided the same way for that stream. */
  readonly errorColors: Colors;
}

/**
 * Whether to colour a stream: `FORCE_COLOR` (non-empty, not `0`) forces it, `NO_COLOR` turns it
 * off, otherwise only when the stream is a terminal.
 */
export function shouldColor(stream: { isTTY?: boolean }, environment = process.env): boolean {
  const force = environment.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0") return true;
  if (environment.NO_COLOR !== undefined && environment.NO_COLOR !== "") return false;
  if (force === "0") return false;
  return stream.isTTY === true && environment.TERM !== "dumb";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences on purpose.
const ansiPattern = /\u001b\[[0-9;]*m/g;

/** The width a string takes on a terminal, ignoring colour escapes. */
function visibleWidth(text: string): number {
  return [...text.replace(ansiPattern, "")].length;
}

/** Lays out rows as columns separated by two spaces; the last column is not padded. */
export function formatTable(header: string[], rows: string[][], colors?: Colors): string[] {
  const all = [header, ...rows];
  const columns = Math.max(...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...all.map((row) => visibleWidth(row[column] ?? ""))),
  );
  const render = (row: string[]) =>
    row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell + " ".repeat(widths[column]! - visibleWidth(cell)),
      )
      .join("  ")
      .trimEnd();
  const headerLine = render(header);
  return [colors ? colors.bold(headerLine) : headerLine, ...rows.map(render)];
}

/** An `Output` over two writable streams. */
export function createOutput(
  stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Output {
  const colors = createColors(shouldColor(stdout));
  return {
    colors,
    errorColors: createColors(shouldColor(stderr)),
    line(text = "") {
      stdout.write(`${text}\n`);
    },
    note(text) {
      stderr.write(`${text}\n`);
    },
    raw(data) {
      stdout.write(data);
    },
    json(value) {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    table(header, rows) {
      for (const line of formatTable(header, rows, colors)) stdout.write(`${line}\n`);
    },
    fields(pairs) {
      const width = Math.max(0, ...pairs.map(([label]) => label.length));
      for (const [label, value] of pairs) {
        stdout.write(`${colors.dim(label.padEnd(width))}  ${value}\n`);
      }
    },
  };
}
