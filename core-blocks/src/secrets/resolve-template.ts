import { TemplateError, TesseraError } from "../errors/index.js";
import { logDebug } from "../log/index.js";
import type { BlockStore } from "../store/index.js";
import { SecretValue } from "./secret-value.js";
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
  /** Where `{{ env.NAME }}` reads from. @default process.env */
  environment?: Record<string, string | undefined>;
}

interface BlockLike {
  toJSON(): Record<string, unknown>;
}

interface Resolution {
  store: BlockStore | undefined;
  revealSecrets: boolean;
  environment: Record<string, string | undefined>;
  blocks: Map<string, Promise<BlockLike>>;
  isBlock: (value: unknown) => value is BlockLike;
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
 * A missing block, field or variable is `TEMPLATE_UNRESOLVED`, naming the placeholder and where
 * it sits; the message never holds a resolved value.
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
  if (!parts.some((part) => part.kind === "placeholder")) return text;
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
  return SecretValue.lazy({ kind: "template", template: text }, async () => {
    let joined = "";
    for (const [index, item] of values.entries()) {
      if (SecretValue.isInstance(item)) {
        joined += inlineScalar(parts[index] as TemplatePart, await item.reveal(), location);
      } else joined += item as string;
    }
    return joined;
  });
}

function inlineScalar(part: TemplatePart, resolved: unknown, location: string): string {
  if (typeof resolved === "string") return resolved;
  if (typeof resolved === "number" || typeof resolved === "boolean") return String(resolved);
  const raw = part.kind === "placeholder" ? part.raw : "";
  const what = resolved === null ? "null" : Array.isArray(resolved) ? "a list" : "an object";
  throw new TemplateError(
    raw,
    location,
    `resolves to ${what}, but a placeholder inside a longer string must resolve to a string, number or boolean. Make it the whole string to keep its type, or point it at a scalar field.`,
  );
}

async function resolveTarget(
  raw: string,
  target: TemplateTarget,
  location: string,
  resolution: Resolution,
  load: Loader,
): Promise<unknown> {
  if (target.kind === "environment") {
    const value = resolution.environment[target.variable];
    if (value === undefined) {
      throw new TemplateError(
        raw,
        location,
        `names the environment variable ${target.variable}, which is not set. Set it, or remove the placeholder.`,
      );
    }
    return value;
  }
  const slug = `${target.type}/${target.name}`;
  let block: BlockLike;
  try {
    block = await load(slug);
  } catch (error) {
    if (TesseraError.isInstance(error)) {
      throw new TemplateError(raw, location, `could not be resolved: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  let current: unknown = block;
  const walked: string[] = [];
  for (const segment of target.fieldPath) {
    walked.push(segment);
    current = step(current, segment, resolution);
    if (current === undefined) {
      throw new TemplateError(
        raw,
        location,
        `names the field "${walked.join(".")}" of "${slug}", which does not exist (or is not set). Check the field path against the block type's fields.`,
      );
    }
  }
  if (target.fieldPath.length === 0) {
    const fields = Object.keys(block.toJSON());
    if (fields.length === 1 && fields[0] === "value") {
      current = (block as unknown as Record<string, unknown>).value;
    }
  }
  return plainValue(current, resolution);
}

function step(current: unknown, segment: string, resolution: Resolution): unknown {
  if (resolution.isBlock(current)) {
    if (!Object.keys(current.toJSON()).includes(segment)) return undefined;
    return (current as unknown as Record<string, unknown>)[segment];
  }
  if (Array.isArray(current)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
    return current[Number(segment)];
  }
  if (isPlainObject(current) && Object.hasOwn(current, segment)) return current[segment];
  return undefined;
}

/** A block, list or object as plain data: secrets kept as `SecretValue` or revealed. */
async function plainValue(value: unknown, resolution: Resolution): Promise<unknown> {
  if (SecretValue.isInstance(value)) {
    return resolution.revealSecrets ? value.reveal() : value;
  }
  if (resolution.isBlock(value)) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value.toJSON())) {
      const field = (value as unknown as Record<string, unknown>)[key];
      Object.defineProperty(result, key, {
        value: await plainValue(field, resolution),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await plainValue(item, resolution));
    return items;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(result, key, {
        value: await plainValue(item, resolution),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return value;
}
