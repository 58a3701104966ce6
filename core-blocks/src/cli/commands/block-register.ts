import { TesseraError } from "../../errors/index.js";
import type { CliContext } from "../context.js";

/** Not available in this build yet. */
export async function registerCommand(
  _context: CliContext,
  options: { module?: string; file?: string; json?: boolean },
): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}
