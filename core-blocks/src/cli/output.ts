import { randomBytes } from "node:crypto";
import { createColors } from "picocolors";

/** The colour functions the CLI uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof createColors>;

/**
 * Where a command writes, and how. Commands never touch `process.stdout` directly.
 *
 * Everything written for people (`line`, `note`, `table`, `fields`) is inert on a terminal: control
 * characters, escape sequences and bidirectional overrides that come with the text (a field value,
 * a key, a name read from the store) are shown escaped (`\u001b`, `\r`, `\u202e`), as `json`
 * does. Only the colour functions of `colors` and `errorColors` put real escape sequences out.
 */
export interface Output {
  /** Writes one line to standard output (a line break in the text is shown as `\n`). */
  line(text?: string): void;
  /** Writes a line to standard error (notes, warnings, progress); line breaks are kept. */
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

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC, CR, backspace, …), DEL, C1
 * controls (U+009B is a one-character CSI), line and paragraph separators, and the bidirectional
 * marks, embeddings, overrides and isolates that reorder what follows them.
 */
const activeCharacters =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what gets escaped.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, leaving line breaks alone. */
const activeCharactersButNewline =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what gets escaped.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The active characters `JSON.stringify` leaves unescaped (it escapes every C0 control). */
const activeBeyondAscii =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const shortEscapes: Record<string, string> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function escapeCharacter(character: string): string {
  return shortEscapes[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `text` made inert for a terminal: every control character, escape sequence introducer and
 * bidirectional override is written as a visible escape (`\u001b[31m` shows as the text
 * `\u001b[31m`, a carriage return as `\r`), the way JSON writes them.
 */
function inertText(text: string, keepNewlines = false): string {
  return text.replace(
    keepNewlines ? activeCharactersButNewline : activeCharacters,
    escapeCharacter,
  );
}

/**
 * Stands for ESC in what the colour functions return, until the text is written: a value cannot
 * hold it (it is random per process), so it is the only escape sequence that reaches a terminal.
 */
const colorMark = `\ue000${randomBytes(8).toString("hex")}\ue001`;
const ESCAPE = "\u001b";
const colorMarkPattern = new RegExp(`${colorMark}\\[[0-9;]*m`, "g");

/** Turns the colour marks back into escape sequences, once the rest of the text is inert. */
function withColors(inert: string): string {
  return inert.replaceAll(colorMark, ESCAPE);
}

/**
 * Colour functions that make their input inert and mark their own escape sequences, so output
 * functions can tell them from escape sequences inside values. Identity functions when off.
 */
function inertColors(enabled: boolean): Colors {
  const colors = createColors(enabled);
  if (!enabled) return colors;
  const marked: Record<string, unknown> = { ...colors };
  for (const [name, format] of Object.entries(colors)) {
    if (typeof format !== "function") continue;
    marked[name] = (input: unknown) =>
      (format as (text: string) => string)(withColors(inertText(String(input)))).replaceAll(
        ESCAPE,
        colorMark,
      );
  }
  return marked as unknown as Colors;
}

/**
 * JSON text with the characters `JSON.stringify` leaves as they are but a terminal acts on (DEL,
 * C1 controls, bidirectional overrides, line separators) written as `\uXXXX` escapes: the same
 * JSON value, inert on a terminal.
 */
function inertJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(activeBeyondAscii, escapeCharacter);
}

/** The width a string takes on a terminal, ignoring colour escapes. */
function visibleWidth(text: string): number {
  return [...text.replace(ansiPattern, "").replace(colorMarkPattern, "")].length;
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
  const colors = inertColors(shouldColor(stdout));
  return {
    colors,
    errorColors: inertColors(shouldColor(stderr)),
    line(text = "") {
      stdout.write(`${withColors(inertText(text))}\n`);
    },
    note(text) {
      stderr.write(`${withColors(inertText(text, true))}\n`);
    },
    raw(data) {
      stdout.write(data);
    },
    json(value) {
      stdout.write(`${inertJson(value)}\n`);
    },
    table(header, rows) {
      const inert = (row: string[]) => row.map((cell) => inertText(cell));
      for (const line of formatTable(inert(header), rows.map(inert), colors)) {
        stdout.write(`${withColors(line)}\n`);
      }
    },
    fields(pairs) {
      const inert = pairs.map(([label, value]) => [inertText(label), inertText(value)] as const);
      const width = Math.max(0, ...inert.map(([label]) => visibleWidth(label)));
      for (const [label, value] of inert) {
        const padding = " ".repeat(width - visibleWidth(label));
        stdout.write(`${withColors(`${colors.dim(label)}${padding}  ${value}`)}\n`);
      }
    },
  };
}
