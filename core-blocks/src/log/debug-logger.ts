import { redactorKey } from "../protocol/index.js";

/** The environment variable that turns debug logging on: `1`, `true` or `*` for all, or scopes (`secrets,store`). */
const DEBUG_VARIABLE = "TESSERA_DEBUG";

/** Where log lines go. @default a writer to `process.stderr` */
type LineWriter = (line: string) => void;

const writeToStandardError: LineWriter = (line) => {
  process.stderr.write(line);
};
let writer: LineWriter = writeToStandardError;

function scrub(text: string): string {
  const redactor = (globalThis as { [redactorKey]?: { redact?: (text: string) => string } })[
    redactorKey
  ];
  return redactor?.redact ? redactor.redact(text) : text;
}

/** True when `TESSERA_DEBUG` enables `scope` (read on every call, so tests can toggle it). */
function isDebugEnabled(scope: string): boolean {
  const setting = process.env[DEBUG_VARIABLE]?.trim().toLowerCase();
  if (!setting || setting === "0" || setting === "false") return false;
  if (setting === "1" || setting === "true" || setting === "*") return true;
  return setting.split(",").some((entry) => entry.trim() === scope);
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      ...(typeof code === "string" ? { code } : {}),
      message: value.message,
    };
  }
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "Buffer" &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return `<${(value as { data: unknown[] }).data.length} bytes>`;
  }
  return value;
}

/**
 * Writes one debug line to stderr when `TESSERA_DEBUG` enables `scope`:
 * `tessera:<scope> <message> <fields as JSON>`. The whole line goes through the secrets redactor,
 * so a revealed secret (as text, base64 or hex) never reaches the log; secret values in `fields`
 * print as `********`.
 */
export function logDebug(scope: string, message: string, fields?: Record<string, unknown>): void {
  if (!isDebugEnabled(scope)) return;
  let details = "";
  if (fields !== undefined) {
    try {
      details = ` ${JSON.stringify(fields, replacer)}`;
    } catch {
      details = " <fields not printable>";
    }
  }
  writer(`${scrub(`tessera:${scope} ${message}${details}`)}\n`);
}

/** Sends debug lines somewhere else (tests, embedding applications); `undefined` restores stderr. */
export function setDebugWriter(next: LineWriter | undefined): void {
  writer = next ?? writeToStandardError;
}
