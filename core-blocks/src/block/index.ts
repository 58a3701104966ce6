export {
  type AnyBlockClass,
  Block,
  type BlockClass,
  type BlockConstructorArguments,
  type BlockInstance,
  type BlockMembers,
  type BlockStatics,
  type ChangeBlockOptions,
  type DeleteBlockOptions,
  defineBlock,
  isBlock,
  type ListBlocksOptions,
  type LoadBlockOptions,
  type RenameBlockOptions,
  type ReservedFieldName,
  type SaveBlockOptions,
  type StoreOption,
  setDefiningPackage,
  type UpgradeBlockOptions,
  type WithoutReservedFields,
} from "./block.js";
export type {
  BlockDefinition,
  BlockMigration,
  BlockSchema,
  MigrationData,
} from "./block-definition.js";
export { blockTypeRecordOf } from "./block-type-record.js";
export { closeMatches, editDistance } from "./close-matches.js";
export { loadBlock, MAX_NESTING_DEPTH } from "./load-block.js";
export { getBlockType, listBlockTypes, registerBlockType } from "./registry.js";
export {
  assertSlugPart,
  formatSlug,
  isValidSlugPart,
  MAX_SLUG_LENGTH,
  type ParsedSlug,
  parseSlug,
} from "./slug.js";
export { MAX_VALUE_DEPTH } from "./validation.js";
export type { BlockWatch } from "./watch-block.js";
