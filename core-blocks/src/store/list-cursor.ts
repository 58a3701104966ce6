import { InvalidInputError } from "../errors/index.js";

/** The opaque cursor of a listing page: the last (type, name) it returned. */
export function encodeCursor(type: string, name: string): string {
  return Buffer.from(JSON.stringify([type, name]), "utf8").toString("base64url");
}

/** The (type, name) a cursor continues after; `INVALID_INPUT` for anything else. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === "string" &&
      typeof decoded[1] === "string"
    ) {
      return [decoded[0], decoded[1]];
    }
  } catch {
    // Reported below.
  }
  throw new InvalidInputError({
    subject: "cursor",
    message: `The list cursor "${cursor.slice(0, 40)}" is not one this store returned. Pass the nextCursor of the previous page unchanged, or omit it to start from the first page.`,
  });
}
