import { redactorKey } from "../protocol/index.js";

/** What scrubbed text shows in place of a secret. Same as the mask of a `SecretValue`. */
const REDACTED = "********";

/**
 * Secrets shorter than this are not scrubbed from arbitrary text: a 1–4 character value ("on",
 * "1234") would turn ordinary words and numbers into `********` everywhere. Such values are still
 * never printed where they appear as field values (a `SecretValue` always prints as the mask).
 */
export const MIN_REDACTED_LENGTH = 5;

/**
 * Secrets longer than this (64 KiB) are scrubbed as text, JSON-escaped, base64, base64url and hex
 * only: building every percent-encoding and escaped form of a 10 MB value byte by byte costs
 * seconds of CPU each time such a secret is created or revealed, for forms nothing prints whole.
 */
export const MAX_FULLY_ENCODED_LENGTH = 64 * 1024;

interface RedactorState {
  /** Plaintext → every printable form of it (see `printableForms`). */
  forms: Map<string, string[]>;
  /** Kept for other copies of core that read it; this copy uses `index`. */
  sorted?: string[] | undefined;
  /** Lower-cased forms by their first `MIN_REDACTED_LENGTH` characters; rebuilt lazily. */
  index?: object | undefined;
  /** How many plaintexts `index` was built from (another copy of core may add some). */
  indexedSize?: number;
  /** The scrubbing function, for `TesseraError` (which cannot import this module). */
  redact?: (text: string) => string;
}

/**
 * The registry is shared through a global symbol, so a value revealed through one copy of
 * `@tessera/core` is scrubbed from the errors and logs of another copy in the same process.
 */
const globalSlot = globalThis as { [redactorKey]?: RedactorState };
globalSlot[redactorKey] ??= { forms: new Map(), sorted: undefined };
const state: RedactorState = globalSlot[redactorKey];

/**
 * Lower-cases `text` keeping its length, so every index into the result is an index into the
 * input: in full where lower-casing keeps the length (nearly always), else ASCII letters only.
 */
function lowerKeepingLength(text: string): string {
  const lowered = text.toLowerCase();
  return lowered.length === text.length
    ? lowered
    : text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * The base64 characters that depend on `bytes` alone when they sit at `alignment` (0, 1 or 2)
 * bytes past a 3-byte boundary inside longer data: what any base64 text holding them contains,
 * whatever comes before and after (an HTTP Basic `user:secret` header, a JSON document).
 */
function base64Core(bytes: Buffer, alignment: number, encoding: "base64" | "base64url"): string {
  const encoded = Buffer.concat([Buffer.alloc(alignment), bytes]).toString(encoding);
  return encoded.slice(
    Math.ceil((alignment * 8) / 6),
    Math.floor(((alignment + bytes.length) * 8) / 6),
  );
}

/** Every byte as `%XX`. */
function percentEveryByte(bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
}

/** `encodeURIComponent` that also escapes `!'()*` (RFC 3986). */
function percentStrict(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16)}`,
  );
}

/** JSON string escaping with every non-ASCII character as `\uXXXX` (as many JSON writers do). */
function jsonAsciiEscaped(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(
      /[\u007f-\uffff]/g,
      (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
}

/** Runs an encoder that may refuse its input (a lone surrogate in `encodeURI`). */
function attempt(encode: () => string): string | undefined {
  try {
    return encode();
  } catch {
    return undefined;
  }
}

/**
 * Every printable form of a secret: as text, JSON-escaped (also with `\uXXXX` escapes, and
 * escaped twice, as JSON inside JSON), base64 and base64url (whole, and the part that stands for
 * the secret at each of the three byte alignments inside longer data), hex, and percent-encoded
 * (`encodeURIComponent`, `encodeURI`, RFC 3986, HTML forms with `+` for spaces, every byte). Matching
 * ignores ASCII case, so hex and `%XX` in either case and a lower-cased or upper-cased copy of
 * the secret (a "did you mean" hint) are found too.
 */
function printableForms(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  const json = JSON.stringify(text).slice(1, -1);
  if (text.length > MAX_FULLY_ENCODED_LENGTH) {
    // A file-sized secret (a bundle of keys): the forms native code makes in one pass.
    return [
      text,
      json,
      bytes.toString("base64"),
      bytes.toString("base64url"),
      bytes.toString("hex"),
    ];
  }
  const forms = new Set<string | undefined>([
    text,
    json,
    jsonAsciiEscaped(text),
    JSON.stringify(json).slice(1, -1),
    bytes.toString("base64"),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    attempt(() => encodeURIComponent(text)),
    attempt(() => encodeURI(text)),
    attempt(() => percentStrict(text)),
    attempt(() => encodeURIComponent(text).replace(/%20/g, "+")),
    new URLSearchParams({ v: text }).toString().slice(2),
    percentEveryByte(bytes),
  ]);
  for (const alignment of [0, 1, 2]) {
    forms.add(base64Core(bytes, alignment, "base64"));
    forms.add(base64Core(bytes, alignment, "base64url"));
  }
  return [...forms].filter(
    (form): form is string => form !== undefined && form.length >= MIN_REDACTED_LENGTH,
  );
}

function rememberText(text: string): void {
  if (text.length < MIN_REDACTED_LENGTH || state.forms.has(text)) return;
  // Kept for the life of the process (or until `forgetSecrets`): a secret revealed long ago must
  // still be scrubbed from what is printed now, so nothing is ever evicted.
  state.forms.set(text, printableForms(text));
  state.sorted = undefined;
  state.index = undefined;
}

/**
 * Remembers a secret's plaintext so `redact()` scrubs it (and its JSON-escaped, base64, base64url,
 * hex and URL-encoded forms, in any ASCII case) from error messages and log output. Strings are
 * remembered whole; a JSON value is remembered as each of its string leaves and as its JSON text.
 * Values shorter than `MIN_REDACTED_LENGTH` characters are not remembered (see there). Remembered
 * values are kept for the life of the process. The library calls it whenever a secret is revealed
 * or created from plaintext.
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

/** Lower-cased forms that start with the same characters, by length, longest first. */
interface FormGroup {
  lengths: number[];
  byLength: Map<number, Set<string>>;
}

/** Forms by their lower-cased first characters, and a quick test on the first two. */
interface FormIndex {
  groups: Map<string, FormGroup>;
  /** Non-zero at `pairHash` of the first two characters of some form. */
  pairs: Uint8Array;
}

function pairHash(first: number, second: number): number {
  return ((first << 7) ^ second) & 0xffff;
}

/** The forms by their lower-cased first `MIN_REDACTED_LENGTH` characters. */
function currentIndex(): FormIndex {
  if (state.index !== undefined && state.indexedSize === state.forms.size) {
    return state.index as unknown as FormIndex;
  }
  const index = new Map<string, FormGroup>();
  const pairs = new Uint8Array(0x10000);
  for (const forms of state.forms.values()) {
    for (const form of forms) {
      const lowered = lowerKeepingLength(form);
      const key = lowered.slice(0, MIN_REDACTED_LENGTH);
      pairs[pairHash(lowered.charCodeAt(0), lowered.charCodeAt(1))] = 1;
      let group = index.get(key);
      if (group === undefined) {
        group = { lengths: [], byLength: new Map() };
        index.set(key, group);
      }
      let sameLength = group.byLength.get(lowered.length);
      if (sameLength === undefined) {
        sameLength = new Set();
        group.byLength.set(lowered.length, sameLength);
        group.lengths.push(lowered.length);
      }
      sameLength.add(lowered);
    }
  }
  for (const group of index.values()) group.lengths.sort((left, right) => right - left);
  const built: FormIndex = { groups: index, pairs };
  state.index = built as unknown as RedactorState["index"];
  state.indexedSize = state.forms.size;
  return built;
}

/** The length of the longest remembered form at `start` of `lowered`, or 0. */
function matchAt(index: FormIndex, lowered: string, start: number): number {
  if (index.pairs[pairHash(lowered.charCodeAt(start), lowered.charCodeAt(start + 1))] === 0) {
    return 0;
  }
  const group = index.groups.get(lowered.slice(start, start + MIN_REDACTED_LENGTH));
  if (group === undefined) return 0;
  for (const length of group.lengths) {
    if (start + length > lowered.length) continue;
    if (group.byLength.get(length)!.has(lowered.slice(start, start + length))) return length;
  }
  return 0;
}

/**
 * Returns `text` with every remembered secret (in any of its printable forms, in any ASCII case)
 * replaced by `********`. Where matches overlap or touch, everything they cover is one mask.
 */
export function redact(text: string): string {
  if (state.forms.size === 0 || typeof text !== "string" || text.length < MIN_REDACTED_LENGTH) {
    return text;
  }
  const index = currentIndex();
  const lowered = lowerKeepingLength(text);
  let result = "";
  let copiedUpTo = 0;
  // The end of the run of secret text being replaced; -1 before the first one.
  let coveredUpTo = -1;
  for (let start = 0; start + MIN_REDACTED_LENGTH <= lowered.length; start++) {
    const length = matchAt(index, lowered, start);
    if (length === 0) continue;
    if (start > coveredUpTo) {
      if (coveredUpTo >= 0) result += REDACTED;
      result += text.slice(copiedUpTo, start);
    }
    coveredUpTo = Math.max(coveredUpTo, start + length);
    copiedUpTo = coveredUpTo;
  }
  if (coveredUpTo < 0) return text;
  return result + REDACTED + text.slice(copiedUpTo);
}

state.redact ??= redact;

/** Forgets every remembered secret (tests). */
export function forgetSecrets(): void {
  state.forms.clear();
  state.sorted = undefined;
  state.index = undefined;
}
