import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** npm package names: lower case, optional scope, URL-safe characters. */
const packageNamePattern = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** A document or slug names a block type that no loaded integration or module provides. */
export class UnknownBlockTypeError extends TesseraError {
  static readonly code = "UNKNOWN_BLOCK_TYPE";
  /** The block type slug. */
  readonly type: string;
  /** The package that defined the type when its documents were saved, when the store knows it. */
  readonly packageName: string | undefined;
  /** The version range of that package to install. */
  readonly packageRange: string | undefined;

  constructor(
    details: {
      type: string;
      /** The package the store says defines the type. */
      packageName?: string;
      packageRange?: string;
      /** The module file the type was registered from, when not a package. */
      moduleFile?: string;
      /** Known block types close to `type` (a likely typo), best first. */
      closeTypes?: readonly string[];
    } & TesseraErrorOptions,
  ) {
    const close = details.closeTypes?.length
      ? ` Did you mean ${details.closeTypes.map((name) => `"${name}"`).join(" or ")}?`
      : "";
    super(
      UnknownBlockTypeError.code,
      `Block type "${details.type}" is not known in this process.${close} ${details.advice ?? UnknownBlockTypeError.hint(details.type, details)}`,
      details,
    );
    this.type = details.type;
    this.packageName = details.packageName;
    this.packageRange = details.packageRange;
  }

  /** What to do, from what the store says about the type (only ever shown, never loaded). */
  private static hint(
    type: string,
    hint: { packageName?: string; packageRange?: string; moduleFile?: string },
  ): string {
    if (hint.packageName !== undefined && !packageNamePattern.test(hint.packageName)) {
      return `The store says it is defined by ${JSON.stringify(hint.packageName)}, which is not an npm package name, so nothing was loaded. Install the integration that defines "${type}" in your project, or list the module that defines it in tessera.config.json ({ "modules": ["./blocks.mjs"] }).`;
    }
    if (hint.packageName !== undefined) {
      const range = hint.packageRange ? `@"${hint.packageRange}"` : "";
      return `It is defined by ${hint.packageName}, which is not installed where you run: install it in your project (npm install ${hint.packageName}${range}) and run again from the project's folder; an installed integration loads itself.`;
    }
    if (hint.moduleFile !== undefined) {
      return `It was registered from the module ${JSON.stringify(hint.moduleFile)}, which is not loaded on the store's word. If you trust that file, list it in your project's tessera.config.json ({ "modules": ["<path>"] }) and run again from the project's folder.`;
    }
    return 'Register the class that defines it before loading: registerBlockType(TheClass) or registerModule(<file>) in code; on the command line, install the integration that defines it, or run tessera block register -f <file> and list that module in your project\'s tessera.config.json ({ "modules": ["./blocks.mjs"] }).';
  }

  static override isInstance(value: unknown): value is UnknownBlockTypeError {
    return isTesseraErrorWithCode(value, UnknownBlockTypeError.code);
  }
}
