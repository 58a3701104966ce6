import { formatSlug } from "../block/slug.js";
import {
  InvalidInputError,
  TemplateError,
  TemplateTooLargeError,
  TesseraError,
} from "../errors/index.js";
import { logDebug } from "../log/index.js";
import type { JsonValue } from "../schema/index.js";
import type { BlockStore } from "../store/index.js";
import { SECRET_MASK, SecretValue } from "./secret-value.js";
import { parseTemplate, type TemplatePart, type TemplateTarget } from "./template-parser.js";

/** Options of `resolveTemplate`. */
export interface ResolveTemplateOptions {
  /** The store `{{ blocks.… }}` placeholders load from. @default getDefaultStore() */
  store?: BlockStore;
  /**
   * Replace secrets with their plaintext. Without it, secrets stay `SecretValue`s (masked when
   * printed, revealed when used): a whole-string placeholder that reaches a secret gives that
   * `SecretValue`, and a string with an inline placeholder that reaches a secret becomes a
   * `SecretValue` whose `reveal()` gives the whole interpolated string.
   * @default false
   */
  revealSecrets?: boolean;
  /**
   * Where `{{ env.NAME }}` reads from (own properties only). `TESSERA_*` variables, Tessera's own
   * settings, are never read.
   * @default process.env
   */
  environment?: Record<string, string | undefined>;
  /**
   * The most output resolution may produce, in bytes (UTF-8) of resolved text: every string,
   * number and boolean in the result, and the text a masked template string gives on `reveal()`.
   * Placeholders that repeat a large block or secret stop with `TEMPLATE_TOO_LARGE` once the
   * output would pass it, before the memory is spent.
   * @default 4_194_304 (4 MiB, four times the largest document the default stores accept)
   */
  maxOutputBytes?: number;
}

/** The default of `ResolveTemplateOptions.maxOutputBytes`: 4 MiB. */
export const MAX_TEMPLATE_OUTPUT_BYTES = 4_194_304;

interface BlockLike {
  toJSON(): Record<string, unknown>;
}

interface Resolution {
  store: BlockStore | undefined;
  revealSecrets: boolean;
  environment: Record<string, string | undefined>;
  blocks: Map<string, Promise<BlockLike>>;
  isBlock: (value: unknown) => value is BlockLike;
  /** The output limit, and how much of it the output so far has used. */
  budget: OutputBudget;
}

/** Counts output against `maxOutputBytes`; throws `TEMPLATE_TOO_LARGE` once it would pass. */
class OutputBudget {
  #used = 0;
  constructor(readonly limit: number) {}

  /** Adds the size of `value` (a string, number or boolean) produced at `location`. */
  charge(value: string | number | boolean, location: string): void {
    this.#used += scalarBytes(value);
    if (this.#used > this.limit) throw new TemplateTooLargeError({ limit: this.limit, location });
  }
}

function scalarBytes(value: string | number | boolean): number {
  return typeof value === "string" ? Buffer.byteLength(value) : String(value).length;
}

/**
 * Resolves `{{ blocks.<type>.<name> }}`, `{{ blocks.<type>.<name>.<field path> }}` and
 * `{{ env.NAME }}` placeholders in any JSON-like value (objects and lists are walked; keys are not
 * templated). Returns a new value; the input is not changed.
 *
 * - A string that is exactly one placeholder (surrounding whitespace allowed) keeps the type of
 *   what it points at: a number stays a number, a block becomes its fields as an object (nested
 *   blocks as objects), and a block whose only field is `value` (such as a `secret/<name>` block)
 *   becomes that value.
 * - A placeholder inside a longer string must resolve to a string, number or boolean.
 * - Secrets stay `SecretValue`s unless `revealSecrets` is set (see there).
 * - A placeholder in another namespace (`{{ image }}`) is left as it is.
 *
 * - A field path into a secret (`{{ blocks.secret.<name>.<key> }}` of a secret holding JSON)
 *   gives a `SecretValue` of that part, so it stays masked too.
 * - `{{ env.NAME }}` gives the variable as plain text: use it for configuration. For a secret
 *   held in a variable, reference it from a secret field (`env:NAME`), which stays masked.
 *
 * A missing block, field or variable is `TEMPLATE_UNRESOLVED`, naming the placeholder and where
 * it sits; the message never holds a resolved value. Output beyond `maxOutputBytes` is
 * `TEMPLATE_TOO_LARGE`.
 */
export async function resolveTemplate<T>(
  value: T,
  options: ResolveTemplateOptions = {},
): Promise<unknown> {
  // Imported on use: the block layer imports this folder, so a static import would be a cycle.
  const blocks = await import("../block/index.js");
  // Registers the `secret` block type, so `{{ blocks.secret.<name> }}` loads without an import.
  await import("../secret-block/index.js");
  const resolution: Resolution = {
    store: options.store,
    revealSecrets: options.revealSecrets ?? false,
    environment: options.environment ?? process.env,
    blocks: new Map(),
    isBlock: blocks.isBlock as unknown as (value: unknown) => value is BlockLike,
    budget: new OutputBudget(outputLimit(options.maxOutputBytes)),
  };
  const load = (slug: string): Promise<BlockLike> => {
    let pending = resolution.blocks.get(slug);
    if (!pending) {
      pending = blocks.loadBlock(
        slug,
        resolution.store ? { store: resolution.store } : {},
      ) as Promise<unknown> as Promise<BlockLike>;
      resolution.blocks.set(slug, pending);
    }
    return pending;
  };
  return resolveValue(value, "", resolution, load);
}

function outputLimit(maxOutputBytes: number | undefined): number {
  if (maxOutputBytes === undefined) return MAX_TEMPLATE_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw new InvalidInputError({
      subject: "maxOutputBytes",
      message: `maxOutputBytes must be a whole number of bytes, 0 or more (got ${String(maxOutputBytes)}).`,
    });
  }
  return maxOutputBytes;
}

type Loader = (slug: string) => Promise<BlockLike>;

async function resolveValue(
  value: unknown,
  location: string,
  resolution: Resolution,
  load: Loader,
): Promise<unknown> {
  if (typeof value === "string") return resolveString(value, location, resolution, load);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [index, item] of value.entries()) {
      items.push(await resolveValue(item, `${location}[${index}]`, resolution, load));
    }
    return items;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = await resolveValue(
        item,
        location === "" ? key : `${location}.${key}`,
        resolution,
        load,
      );
      Object.defineProperty(result, key, {
        value: resolved,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    resolution.budget.charge(value, location);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

async function resolveString(
  text: string,
  location: string,
  resolution: Resolution,
  load: Loader,
): Promise<unknown> {
  const parts = parseTemplate(text, location);
  if (!parts.some((part) => part.kind === "placeholder")) {
    resolution.budget.charge(text, location);
    return text;
  }
  const [only] = parts.filter((part) => part.kind === "placeholder");
  const surroundings = parts.filter((part) => part.kind === "text").map((part) => part.text);
  if (
    only?.kind === "placeholder" &&
    parts.filter((part) => part.kind === "placeholder").length === 1 &&
    surroundings.every((part) => part.trim() === "")
  ) {
    return resolveTarget(only.raw, only.target, location, resolution, load);
  }
  const values: unknown[] = [];
  let secret = false;
  for (const part of parts) {
    if (part.kind === "text") {
      resolution.budget.charge(part.text, location);
      values.push(part.text);
      continue;
    }
    const resolved = await resolveTarget(part.raw, part.target, location, resolution, load);
    if (SecretValue.isInstance(resolved)) {
      secret = true;
      values.push(resolved);
      continue;
    }
    values.push(inlineScalar(part, resolved, location));
  }
  if (!secret) return values.join("");
  logDebug("secrets", "template string holds a secret; it stays masked until revealed", {
    location,
  });
  const limit = resolution.budget.limit;
  return SecretValue.lazy({ kind: "template", template: text }, async () => {
    // The revealed text has its own budget: a few placeholders of a large secret must not
    // build an unbounded string on reveal.
    const budget = new OutputBudget(limit);
    let joined = "";
    for (const [index, item] of values.entries()) {
      const piece = SecretValue.isInstance(item)
        ? inlineScalar(parts[index] as TemplatePart, await item.reveal(), location)
        : (item as string);
      budget.charge(piece, location);
      joined += piece;
    }
    return joined;
  });
}

function inlineScalar(part: TemplatePart, resolved: unknown, location: string): string {
  if (typeof resolved === "string") return resolved;
  if (typeof resolved === "number" || typeof resolved === "boolean") return String(resolved);
  const raw = part.kind === "placeholder" ? part.raw : "";
  const what = resolved === null ? "null" : Array.isArray(resolved) ? "a list" : "an object";
  throw new TemplateError({
    placeholder: raw,
    location,
    problem: `resolves to ${what}, but a placeholder inside a longer string must resolve to a string, number or boolean. Make it the whole string to keep its type, or point it at a scalar field.`,
  });
}

async function resolveTarget(
  raw: string,
  target: TemplateTarget,
  location: string,
  resolution: Resolution,
  load: Loader,
): Promise<unknown> {
  if (target.kind === "environment") {
    // Own properties only: `{{ env.constructor }}` must not reach Object.prototype.
    const environment = resolution.environment;
    const value = Object.hasOwn(environment, target.variable)
      ? environment[target.variable]
      : undefined;
    if (typeof value !== "string") {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem: `names the environment variable ${target.variable}, which is not set. Set it, or remove the placeholder.`,
      });
    }
    resolution.budget.charge(value, location);
    return value;
  }
  const slug = formatSlug(target.type, target.name);
  let block: BlockLike;
  try {
    block = await load(slug);
  } catch (error) {
    if (TesseraError.isInstance(error)) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem: `could not be resolved: ${error.message}`,
        cause: error,
      });
    }
    throw error;
  }
  let current: unknown = block;
  const walked: string[] = [];
  // A block whose only field is `value` (a `secret/<name>` block) stands for that value: a path
  // that does not start with `value` walks into it (`{{ blocks.secret.db.password }}`).
  const fields = Object.keys(block.toJSON());
  const valueOnly = fields.length === 1 && fields[0] === "value";
  if (valueOnly && target.fieldPath[0] !== "value") {
    current = (block as unknown as Record<string, unknown>).value;
  }
  for (const [index, segment] of target.fieldPath.entries()) {
    if (SecretValue.isInstance(current)) {
      current = secretPart(current, target.fieldPath.slice(index), raw, location, slug, walked);
      break;
    }
    walked.push(segment);
    current = step(current, segment, resolution);
    if (current === undefined) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem: `names the field "${walked.join(".")}" of "${slug}", which does not exist (or is not set). Check the field path against the block type's fields.`,
      });
    }
  }
  return plainValue(current, location, resolution);
}

/**
 * The part of a secret's JSON value at `path`, still a `SecretValue`: the secret is revealed
 * (and the path walked, own properties only) when the part is.
 */
function secretPart(
  secretValue: SecretValue,
  path: string[],
  raw: string,
  location: string,
  slug: string,
  walkedBefore: string[],
): SecretValue {
  return SecretValue.lazy({ kind: "template", template: raw }, async () => {
    let current: unknown = await secretValue.reveal();
    const walked = [...walkedBefore];
    for (const segment of path) {
      walked.push(segment);
      current = jsonStep(current, segment);
      if (current === undefined) {
        throw new TemplateError({
          placeholder: raw,
          location,
          problem: `names the part "${walked.join(".")}" of a secret in "${slug}", which the secret's value does not have. Check the path against the secret's value.`,
        });
      }
    }
    return current as JsonValue;
  });
}

function jsonStep(current: unknown, segment: string): unknown {
  if (Array.isArray(current)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
    return current[Number(segment)];
  }
  if (isPlainObject(current) && Object.hasOwn(current, segment)) return current[segment];
  return undefined;
}

function step(current: unknown, segment: string, resolution: Resolution): unknown {
  if (resolution.isBlock(current)) {
    if (!Object.keys(current.toJSON()).includes(segment)) return undefined;
    return (current as unknown as Record<string, unknown>)[segment];
  }
  return jsonStep(current, segment);
}

/**
 * A block, list or object as plain data: secrets kept as `SecretValue` or revealed. Counts what it
 * gives against the output budget.
 */
async function plainValue(
  value: unknown,
  location: string,
  resolution: Resolution,
): Promise<unknown> {
  if (SecretValue.isInstance(value)) {
    if (!resolution.revealSecrets) {
      resolution.budget.charge(SECRET_MASK, location);
      return value;
    }
    const revealed = await value.reveal();
    chargeJson(revealed, location, resolution.budget);
    return revealed;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    resolution.budget.charge(value, location);
    return value;
  }
  if (resolution.isBlock(value)) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value.toJSON())) {
      const field = (value as unknown as Record<string, unknown>)[key];
      Object.defineProperty(result, key, {
        value: await plainValue(field, location, resolution),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await plainValue(item, location, resolution));
    return items;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(result, key, {
        value: await plainValue(item, location, resolution),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return value;
}

/** Counts every string, number and boolean of a JSON value against the budget. */
function chargeJson(value: unknown, location: string, budget: OutputBudget): void {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    budget.charge(value, location);
  } else if (Array.isArray(value)) {
    for (const item of value) chargeJson(item, location, budget);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) chargeJson(item, location, budget);
  }
}
