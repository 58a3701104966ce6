import { TesseraError } from "../../errors/index.js";
import type { CliContext } from "../context.js";

/** Not available in this build yet. */
export async function createBlockCommand(
  _context: CliContext,
  _type: string,
  _name: string,
  options: unknown,
): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}

/** Not available in this build yet. */
export async function editBlockCommand(
  _context: CliContext,
  _slug: string,
  options: unknown,
): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}
