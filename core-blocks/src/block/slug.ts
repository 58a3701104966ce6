import { InvalidSlugError } from "../errors/index.js";

const SLUG_PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Longest type slug or document name. */
export const MAX_SLUG_LENGTH = 128;

/**
 * Checks a type slug or a document name: 1–128 lower-case ASCII letters, digits and single
 * hyphens, no leading or trailing hyphen. Throws `INVALID_SLUG` saying which rule broke (and the
 * lower-case form, when that alone would be valid).
 */
export function assertSlugPart(value: string, what: "name" | "type slug" = "name"): string {
  if (typeof value !== "string") {
    throw new InvalidSlugError({
      input: String(value),
      reason: `a ${what} must be a string`,
      what,
    });
  }
  if (value.length === 0)
    throw new InvalidSlugError({ input: value, reason: `a ${what} cannot be empty`, what });
  if (value.length > MAX_SLUG_LENGTH) {
    throw new InvalidSlugError({
      input: value,
      reason: `it is ${value.length} characters long, the limit is ${MAX_SLUG_LENGTH}`,
      what,
    });
  }
  if (SLUG_PART.test(value)) return value;
  const lower = value.toLowerCase();
  if (lower !== value && SLUG_PART.test(lower)) {
    throw new InvalidSlugError({
      input: value,
      reason: `upper-case letters are not allowed; use "${lower}"`,
      what,
    });
  }
  if (/[^\x20-\x7e]/.test(value)) {
    throw new InvalidSlugError({
      input: value,
      reason: "only ASCII letters, digits and hyphens are allowed",
      what,
    });
  }
  if (value.includes("/")) {
    throw new InvalidSlugError({ input: value, reason: `a ${what} cannot contain "/"`, what });
  }
  if (/^-|-$|--/.test(value)) {
    throw new InvalidSlugError({
      input: value,
      reason: "hyphens must sit between letters or digits, one at a time",
      what,
    });
  }
  throw new InvalidSlugError({
    input: value,
    reason: "only lower-case letters, digits and single hyphens are allowed",
    what,
  });
}

/** True for a valid type slug or document name. */
export function isValidSlugPart(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_SLUG_LENGTH && SLUG_PART.test(value);
}

/** A block slug split into its parts. */
export interface ParsedSlug {
  /** The block type slug, such as `s3-bucket`. */
  type: string;
  /** The document name, such as `results`. */
  name: string;
}

/** Splits and checks a `type/name` slug. Throws `INVALID_SLUG`. */
export function parseSlug(slug: string): ParsedSlug {
  if (typeof slug !== "string")
    throw new InvalidSlugError({ input: String(slug), reason: "a slug must be a string" });
  const parts = slug.split("/");
  if (parts.length !== 2) {
    throw new InvalidSlugError({
      input: slug,
      reason: 'a block slug is "<type>/<name>", with exactly one "/"',
    });
  }
  const [type, name] = parts as [string, string];
  return { type: assertSlugPart(type, "type slug"), name: assertSlugPart(name, "name") };
}

/** Joins a type slug and a document name into a block slug, `type/name` (the inverse of `parseSlug`). */
export function formatSlug(type: string, name: string): string {
  return `${type}/${name}`;
}
