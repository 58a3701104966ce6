import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A document or slug names a block type that no loaded integration or module provides. */
export class UnknownBlockTypeError extends TesseraError {
  static readonly code = "UNKNOWN_BLOCK_TYPE";
  /** The block type slug. */
  readonly type: string;
  /** The package that defined the type when its documents were saved, when the store knows it. */
  readonly packageName: string | undefined;
  /** The version range of that package to install. */
  readonly packageRange: string | undefined;

  constructor(type: string, hint: { packageName?: string; packageRange?: string } = {}) {
    const install = hint.packageName
      ? `It is defined by ${hint.packageName}: install it (npm install ${hint.packageName}${hint.packageRange ? `@"${hint.packageRange}"` : ""}) and register it (tessera block register -m ${hint.packageName}).`
      : "Register the class that defines it before loading: registerBlockType(TheClass) or registerModule(<file>) in code, or tessera block register -m <package> or -f <file>.";
    super(
      UnknownBlockTypeError.code,
      `Block type "${type}" is not known in this process. ${install}`,
    );
    this.type = type;
    this.packageName = hint.packageName;
    this.packageRange = hint.packageRange;
  }

  static override isInstance(value: unknown): value is UnknownBlockTypeError {
    return isTesseraErrorWithCode(value, UnknownBlockTypeError.code);
  }
}
