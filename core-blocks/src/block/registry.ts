import { InvalidInputError } from "../errors/index.js";
import type { BlockStore } from "../store/index.js";
import type { BlockClass } from "./block.js";
import type { BlockSchema } from "./block-definition.js";
import { type BlockClassInternal, definitionOf } from "./block-internals.js";
import { nestedFieldClass } from "./nested-field.js";

const classes = new Map<string, BlockClassInternal>();

/** Classes whose nested block classes were already registered. */
const nestedRegistered = new WeakSet<object>();

/**
 * Registers a block class under its type, so `loadBlock("type/name")` and nested references can
 * build instances of it, together with the block classes nested in its fields (`Other.field()`,
 * at any depth), so a document holding them loads in a process that only knows the parent. The
 * most-derived class wins: registering a subclass replaces its base, registering a base after its
 * subclass changes nothing; an unrelated class of the same type replaces the earlier one (a
 * redefinition), except for a nested class, which never displaces a class registered for its type.
 * Classes register themselves when defined, when constructed and when one of their statics is
 * first used. Returns the class.
 *
 * JavaScript runs no code of a base class when a subclass is declared, so a subclass with methods
 * (`class MyBlock extends defineBlock({ ... }) { method() {} }`) is not registered by importing
 * its module alone: until it is constructed or a static is used, `loadBlock("my-type/x")` builds
 * an instance of the bare base class, without the methods. Register such a class where it is
 * declared, in a static block (`static { registerBlockType(this); }`) or with a call after it,
 * or load its module with `registerModule` / an integration manifest, which register what the
 * module exports.
 */
export function registerBlockType<C extends abstract new (...args: never[]) => object>(
  BlockClass: C,
): C {
  const definition = definitionOf(BlockClass);
  if (!definition) {
    throw new InvalidInputError({
      subject: "registerBlockType",
      message: "registerBlockType takes a class made with defineBlock (or a subclass).",
    });
  }
  const candidate = BlockClass as unknown as BlockClassInternal;
  const existing = classes.get(definition.type);
  if (existing !== candidate) {
    if (existing && Object.prototype.isPrototypeOf.call(candidate.prototype, existing.prototype)) {
      // A base registered after its subclass changes nothing.
    } else {
      classes.set(definition.type, candidate);
    }
  }
  if (!nestedRegistered.has(candidate)) {
    nestedRegistered.add(candidate);
    for (const Nested of nestedBlockClasses(candidate)) registerNested(Nested);
  }
  return BlockClass;
}

/** Registers a nested class where its type is unknown, or where it refines the registered class. */
function registerNested(Nested: BlockClassInternal): void {
  const type = definitionOf(Nested)!.type;
  const existing = classes.get(type);
  if (
    existing === undefined ||
    (existing !== Nested &&
      Object.prototype.isPrototypeOf.call(existing.prototype, Nested.prototype))
  ) {
    classes.set(type, Nested);
  }
}

/**
 * The block classes nested in a block class's fields (`Other.field()`, inside objects, arrays,
 * optional, nullable, union or record fields), and the ones nested in those, each once, parents
 * before children. The class itself is not included (unless it nests itself through another).
 */
export function nestedBlockClasses(BlockClass: unknown): BlockClassInternal[] {
  const found: BlockClassInternal[] = [];
  const seenClasses = new Set<unknown>([BlockClass]);
  const pending = [BlockClass];
  while (pending.length > 0) {
    const definition = definitionOf(pending.shift());
    if (!definition) continue;
    for (const Nested of nestedInSchema(definition.schema)) {
      if (seenClasses.has(Nested)) continue;
      seenClasses.add(Nested);
      found.push(Nested);
      pending.push(Nested);
    }
  }
  return found;
}

/** Nested block classes computed per schema (schemas are immutable). */
const nestedBySchema = new WeakMap<object, BlockClassInternal[]>();

function nestedInSchema(schema: object): BlockClassInternal[] {
  const cached = nestedBySchema.get(schema);
  if (cached) return cached;
  const found: BlockClassInternal[] = [];
  collectNested(schema, new Set(), found);
  nestedBySchema.set(schema, found);
  return found;
}

/** How deep the walk follows a schema (deeper parts are ignored). */
const MAX_SCHEMA_DEPTH = 64;

function collectNested(
  node: unknown,
  seen: Set<object>,
  found: BlockClassInternal[],
  depth = 0,
): void {
  if (depth > MAX_SCHEMA_DEPTH || typeof node !== "object" || node === null || seen.has(node)) {
    return;
  }
  seen.add(node);
  const internals = (node as { _zod?: { def?: Record<string, unknown> } })._zod;
  const def = internals?.def;
  if (def === undefined) return;
  const Nested = nestedFieldClass(node);
  if (Nested) {
    if (!found.includes(Nested)) found.push(Nested);
    return;
  }
  for (const [key, value] of Object.entries(def)) {
    if (key === "checks") continue;
    if (key === "shape" && typeof value === "object" && value !== null) {
      for (const field of Object.values(value)) collectNested(field, seen, found, depth + 1);
    } else if (Array.isArray(value)) {
      for (const item of value) collectNested(item, seen, found, depth + 1);
    } else {
      collectNested(value, seen, found, depth + 1);
    }
  }
  if (def.type === "lazy" && typeof def.getter === "function") {
    try {
      collectNested((def.getter as () => unknown)(), seen, found, depth + 1);
    } catch {
      // A lazy schema that cannot be built yet nests nothing we can know about.
    }
  }
}

/** The registered class of a block type (for the block layer). */
export function registeredClass(type: string): BlockClassInternal | undefined {
  return classes.get(type);
}

/**
 * The registered class of a block type; when there is none, loads the integration package the
 * store records for the type if that package is installed where the user runs and declares itself
 * a Tessera integration (see the integration layer), and looks again. `undefined` when still
 * unknown.
 */
export async function loadRegisteredClass(
  type: string,
  store: BlockStore,
): Promise<BlockClassInternal | undefined> {
  const known = classes.get(type);
  if (known) return known;
  const { loadIntegrationForType } = await import("../integration/auto-load.js");
  await loadIntegrationForType(type, store);
  return classes.get(type);
}

/** The registered class of a block type, or `undefined`. */
export function getBlockType(type: string): BlockClass<BlockSchema> | undefined {
  return classes.get(type) as unknown as BlockClass<BlockSchema> | undefined;
}

/** Every registered block class, ordered by type. */
export function listBlockTypes(): BlockClass<BlockSchema>[] {
  return [...classes.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([, BlockClass]) => BlockClass as unknown as BlockClass<BlockSchema>);
}
