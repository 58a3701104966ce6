import type { BlockClass } from "./block.js";
import type { BlockSchema } from "./block-definition.js";
import { type BlockClassInternal, definitionOf } from "./block-internals.js";

const classes = new Map<string, BlockClassInternal>();

/**
 * Registers a block class under its type, so `loadBlock("type/name")` and nested references can
 * build instances of it. The most-derived class wins: registering a subclass replaces its base,
 * registering a base after its subclass changes nothing; an unrelated class of the same type
 * replaces the earlier one (a redefinition). Classes register themselves when defined, when
 * constructed and when one of their statics is first used. Returns the class.
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
    throw new TypeError("registerBlockType takes a class made with defineBlock (or a subclass).");
  }
  const candidate = BlockClass as unknown as BlockClassInternal;
  const existing = classes.get(definition.type);
  if (existing === candidate) return BlockClass;
  if (existing && Object.prototype.isPrototypeOf.call(existing.prototype, candidate.prototype)) {
    classes.set(definition.type, candidate);
  } else if (
    existing &&
    Object.prototype.isPrototypeOf.call(candidate.prototype, existing.prototype)
  ) {
    return BlockClass;
  } else {
    classes.set(definition.type, candidate);
  }
  return BlockClass;
}

/** The registered class of a block type (for the block layer). */
export function registeredClass(type: string): BlockClassInternal | undefined {
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
