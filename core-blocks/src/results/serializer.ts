import { SerializationFailedError } from "../errors/index.js";
import type { JsonValue } from "../schema/index.js";
import { decodeRich, encodeRich } from "./rich-encoding.js";
import { isWritableContent } from "./writable-content.js";
import type { WritableContent } from "./writable-file-system.js";

/**
 * Turns values into stored bytes and back. `ResultStore` records the serializer's `name` beside
 * every result and finds the serializer by that name when reading, so a name must never change
 * meaning. To add one, implement this interface and pass it as the store's `serializer` (to write
 * with it) or in `serializers` (to read results written with it):
 *
 * ```ts
 * const csv: Serializer<string[][]> = {
 *   name: "csv",
 *   serialize: (rows) => rows.map((row) => row.join(",")).join("\n"),
 *   deserialize: (bytes) => Buffer.from(bytes).toString().split("\n").map((line) => line.split(",")),
 * };
 * ```
 */
export interface Serializer<Value = unknown> {
  /** Short, stable name stored with each result, such as `json` or `my-app/csv`. */
  readonly name: string;
  /**
   * The bytes of a value: a buffer, a string (stored as UTF-8), or a stream or async iterable
   * for values too big to hold in memory. Throws SERIALIZATION_FAILED for a value it cannot carry.
   */
  serialize(value: Value): WritableContent | Promise<WritableContent>;
  /** The value of stored bytes (already verified against their checksum and decompressed). */
  deserialize(bytes: Uint8Array): Value | Promise<Value>;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return "a BigInt";
  if (typeof value === "function") return "a function";
  return typeof value;
}

/**
 * JSON (the default): what `JSON.stringify` writes, read back with `JSON.parse`. Refuses values
 * JSON would silently change or drop at the top level (undefined, functions, symbols, BigInt).
 * Nested values follow JSON's rules (`Date` becomes a string); use `richSerializer` to keep them.
 */
export const jsonSerializer: Serializer<unknown> = {
  name: "json",
  serialize(value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new SerializationFailedError("json", "serialize", (error as Error).message, {
        cause: error,
      });
    }
    if (text === undefined) {
      throw new SerializationFailedError(
        "json",
        "serialize",
        `JSON cannot carry ${describe(value)}`,
      );
    }
    return text;
  },
  deserialize(bytes) {
    try {
      return JSON.parse(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
      );
    } catch (error) {
      throw new SerializationFailedError("json", "deserialize", (error as Error).message, {
        cause: error,
      });
    }
  },
};

/**
 * Bytes as they are: stores a `Uint8Array`, a string, a Node `Readable`, a web `ReadableStream`
 * or an async iterable of chunks without copying it whole into memory, and reads back a `Buffer`
 * (or a stream, through `ResultStore.getStream`).
 */
export const binarySerializer: Serializer<WritableContent> = {
  name: "binary",
  serialize(value) {
    if (!isWritableContent(value)) {
      throw new SerializationFailedError(
        "binary",
        "serialize",
        `it takes bytes, a string or a stream, not ${describe(value)}`,
      );
    }
    return value;
  },
  deserialize(bytes) {
    return Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
};

/**
 * JSON with tags for what plain JSON loses: `Date`, `Map`, `Set`, `BigInt`, `undefined`, `NaN`,
 * `±Infinity`, `-0`, `RegExp`, `Buffer`, `ArrayBuffer`, `DataView` and typed arrays round-trip
 * exactly. Class instances, functions, symbols and cycles are refused.
 */
export const richSerializer: Serializer<unknown> = {
  name: "rich",
  serialize(value) {
    return JSON.stringify(encodeRich(value, "rich"));
  },
  deserialize(bytes) {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
      );
    } catch (error) {
      throw new SerializationFailedError("rich", "deserialize", (error as Error).message, {
        cause: error,
      });
    }
    return decodeRich(parsed, "rich");
  },
};

/** The serializers every `ResultStore` knows by name. */
export const builtInSerializers: readonly Serializer[] = [
  jsonSerializer,
  binarySerializer as Serializer,
  richSerializer,
];
