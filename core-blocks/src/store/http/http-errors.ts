import * as errors from "../../errors/index.js";
import { TesseraError } from "../../errors/index.js";

/** Error classes by their stable code, so an error a server sends back keeps its class. */
let classes: Map<string, { prototype: object; name: string }> | undefined;

function classByCode(code: string) {
  classes ??= new Map(
    Object.values(errors)
      .filter(
        (value): value is typeof TesseraError & { code: string } =>
          typeof value === "function" &&
          typeof (value as { code?: unknown }).code === "string" &&
          value.prototype instanceof TesseraError,
      )
      .map((value) => [value.code, value]),
  );
  return classes.get(code);
}

/**
 * The Tessera error a server answered with (`{ error: { code, message, …fields } }`), rebuilt
 * with its class (so `instanceof` and `isInstance` both hold), message and typed fields.
 */
export function errorFromBody(body: {
  code: string;
  message: string;
  [field: string]: unknown;
}): TesseraError {
  const { code, message, ...fields } = body;
  const error = new TesseraError(code, message);
  const known = classByCode(code);
  if (known) {
    Object.setPrototypeOf(error, known.prototype);
    error.name = known.name;
  }
  for (const [field, value] of Object.entries(fields)) {
    if (field !== "name" && field !== "stack" && field !== "cause") {
      Object.defineProperty(error, field, { value, enumerable: true });
    }
  }
  return error;
}
