import { TesseraError } from "../../errors/index.js";
import type { CliContext } from "../context.js";

/** Not available in this build yet. */
export async function setSecretCommand(
  _context: CliContext,
  _name: string,
  options: unknown,
): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}

/** Not available in this build yet. */
export async function getSecretCommand(
  _context: CliContext,
  _name: string,
  options: unknown,
): Promise<void> {
  void options;
  throw new TesseraError("NOT_AVAILABLE", "This command is not available in this build yet.");
}
