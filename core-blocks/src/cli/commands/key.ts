import { TesseraError } from "../../errors/index.js";
import type { CliContext } from "../context.js";

/** Not available in this build yet. */
export async function keyStatusCommand(_context: CliContext, options: unknown): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}

/** Not available in this build yet. */
export async function keyRotateCommand(_context: CliContext, options: unknown): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}
