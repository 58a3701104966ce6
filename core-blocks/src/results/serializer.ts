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
  if (typeof value === "symbol") return "a symbol";
  return typeof value;
}

function constructorName(value: object): string | undefined {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** What JSON would do to a value that is not plain data, or undefined when it keeps it. */
function jsonChange(value: unknown, inArray: boolean): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      if (!Number.isFinite(value)) return `${value} would come back as null`;
      if (Object.is(value, -0)) return "-0 would come back as 0";
      return undefined;
    case "bigint":
      return "JSON cannot carry a BigInt";
    case "undefined":
    case "function":
    case "symbol":
      return inArray
        ? `${describe(value)} would come back as null`
        : `${describe(value)} would be dropped`;
  }
  if (value === null) return undefined;
  const object = value as object;
  const name = constructorName(object);
  if (object instanceof Date) return "a Date would come back as a string";
  if (object instanceof Map || object instanceof Set) {
    return `a ${name ?? "Map or Set"} would come back as {}`;
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return `${name ? `a ${name}` : "an object"} with a toJSON method would come back as what toJSON returns`;
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `a ${name ?? "binary value"} would come back as a plain object`;
  }
  const prototype = Object.getPrototypeOf(object);
  if (Array.isArray(object)) {
    return prototype === Array.prototype
      ? undefined
      : `a ${name ?? "Array subclass"} would come back as a plain array`;
  }
  if (prototype === Object.prototype || prototype === null) return undefined;
  return `${name ? `a ${name} instance` : "an object with a prototype"} would come back as a plain object`;
}

/**
 * Refuses a value that `JSON.parse(JSON.stringify(value))` would not give back: what a read
 * returns must be what was stored. Walks without recursion, so depth costs no stack.
 */
function assertJsonRoundTrips(value: unknown): void {
  const refuse = (where: string, what: string): never => {
    throw new SerializationFailedError({
      serializer: "json",
      direction: "serialize",
      reason: `${what} (at ${where})`,
    });
  };
  type Step = { value: unknown; where: string; inArray: boolean } | { leave: object };
  const ancestors = new Set<object>();
  const steps: Step[] = [{ value, where: "$", inArray: false }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if ("leave" in step) {
      ancestors.delete(step.leave);
      continue;
    }
    const { value: current, where, inArray } = step;
    const change = jsonChange(current, inArray);
    if (change !== undefined) refuse(where, change);
    if (typeof current !== "object" || current === null) continue;
    if (ancestors.has(current)) refuse(where, "a reference cycle cannot be written as JSON");
    ancestors.add(current);
    steps.push({ leave: current });
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        if (!(index in current)) refuse(`${where}[${index}]`, "a hole would come back as null");
        steps.push({ value: current[index], where: `${where}[${index}]`, inArray: true });
      }
      continue;
    }
    for (const symbol of Object.getOwnPropertySymbols(current)) {
      if (Object.prototype.propertyIsEnumerable.call(current, symbol)) {
        refuse(`${where}[${String(symbol)}]`, "a symbol-keyed property would be dropped");
      }
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      steps.push({
        value: (current as Record<string, unknown>)[key],
        where: `${where}.${key}`,
        inArray: false,
      });
    }
  }
}

/**
 * JSON (the default): what `JSON.stringify` writes, read back with `JSON.parse`. A read returns
 * exactly what was stored, so a value JSON would change or drop anywhere in it (`undefined`,
 * `Date`, `Map`, `Set`, `BigInt`, `NaN`, `±Infinity`, `-0`, typed arrays, class instances,
 * functions, symbols, array holes, cycles) is refused with SERIALIZATION_FAILED naming where it
 * is; `richSerializer` carries most of them.
 */
export const jsonSerializer: Serializer<unknown> = {
  name: "json",
  serialize(value) {
    assertJsonRoundTrips(value);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new SerializationFailedError({
        serializer: "json",
        direction: "serialize",
        reason: (error as Error).message,
        cause: error,
      });
    }
    if (text === undefined) {
      throw new SerializationFailedError({
        serializer: "json",
        direction: "serialize",
        reason: `JSON cannot carry ${describe(value)}`,
      });
    }
    return text;
  },
  deserialize(bytes) {
    try {
      return JSON.parse(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
      );
    } catch (error) {
      throw new SerializationFailedError({
        serializer: "json",
        direction: "deserialize",
        reason: (error as Error).message,
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
      throw new SerializationFailedError({
        serializer: "binary",
        direction: "serialize",
        reason: `it takes bytes, a string or a stream, not ${describe(value)}`,
      });
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
      throw new SerializationFailedError({
        serializer: "rich",
        direction: "deserialize",
        reason: (error as Error).message,
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
