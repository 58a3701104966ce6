/** What scrubbed text shows in place of a secret. Same as the mask of a `SecretValue`. */
const REDACTED = "********";

/**
 * Secrets shorter than this are not scrubbed from arbitrary text: a 1–4 character value ("on",
 * "1234") would turn ordinary words and numbers into `********` everywhere. Such values are still
 * never printed where they appear as field values (a `SecretValue` always prints as the mask).
 */
export const MIN_REDACTED_LENGTH = 5;

/** How many distinct revealed values the redactor remembers (oldest are forgotten first). */
const MAX_REMEMBERED = 2048;

interface RedactorState {
  /** Plaintext → every printable form of it (text, JSON-escaped, base64, base64url, hex). */
  forms: Map<string, string[]>;
  /** All forms, longest first, rebuilt lazily. */
  sorted: string[] | undefined;
  /** The scrubbing function, for `TesseraError` (which cannot import this module). */
  redact?: (text: string) => string;
}

/**
 * The registry is shared through a global symbol, so a value revealed through one copy of
 * `@tessera/core` is scrubbed from the errors and logs of another copy in the same process.
 */
const stateKey = Symbol.for("tessera.redactor");
const globalSlot = globalThis as { [stateKey]?: RedactorState };
globalSlot[stateKey] ??= { forms: new Map(), sorted: undefined };
const state: RedactorState = globalSlot[stateKey];

function printableForms(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  const forms = new Set<string>([
    text,
    JSON.stringify(text).slice(1, -1),
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    encodeURIComponent(text),
  ]);
  return [...forms].filter((form) => form.length >= MIN_REDACTED_LENGTH);
}

function rememberText(text: string): void {
  if (text.length < MIN_REDACTED_LENGTH) return;
  // Already remembered: nothing to do (revealing is hot, so no reordering; the oldest are forgotten first).
  if (state.forms.has(text)) return;
  state.forms.set(text, printableForms(text));
  while (state.forms.size > MAX_REMEMBERED) {
    const oldest = state.forms.keys().next().value as string;
    state.forms.delete(oldest);
  }
  state.sorted = undefined;
}

/**
 * Remembers a secret's plaintext so `redact()` scrubs it (and its JSON-escaped, base64, base64url,
 * hex and URL-encoded forms) from error messages and log output. Strings are remembered whole; a
 * JSON value is remembered as each of its string leaves and as its JSON text. Values shorter than
 * `MIN_REDACTED_LENGTH` characters are not remembered (see there). The library calls it whenever a
 * secret is revealed or created from plaintext.
 */
export function rememberSecret(value: unknown): void {
  if (typeof value === "string") {
    rememberText(value);
    return;
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return;
  if (typeof value === "object") {
    rememberText(JSON.stringify(value));
    for (const child of Object.values(value as Record<string, unknown>)) rememberSecret(child);
  }
}

/** Returns `text` with every remembered secret (in any of its printable forms) replaced by `********`. */
export function redact(text: string): string {
  if (state.forms.size === 0 || text.length < MIN_REDACTED_LENGTH) return text;
  state.sorted ??= [...state.forms.values()]
    .flat()
    .sort((left, right) => right.length - left.length);
  let result = text;
  for (const form of state.sorted) {
    if (result.includes(form)) result = result.split(form).join(REDACTED);
  }
  return result;
}

state.redact ??= redact;

/** Forgets every remembered secret (tests). */
export function forgetSecrets(): void {
  state.forms.clear();
  state.sorted = undefined;
}
