import { SerializationFailedError } from "../errors/index.js";
import type { JsonValue } from "../schema/index.js";

/*
 * Tagged JSON for values JSON cannot carry. A special value becomes an object with a `$t` tag:
 * `{ "$t": "Date", "v": "2024-01-01T00:00:00.000Z" }`, `{ "$t": "bigint", "v": "12" }`,
 * `{ "$t": "Map", "v": [[key, value], …] }`, `{ "$t": "Set", "v": […] }`, `{ "$t": "undefined" }`,
 * `{ "$t": "number", "v": "NaN" | "Infinity" | "-Infinity" | "-0" }`, `{ "$t": "RegExp", "v":
 * [source, flags] }`, binary data as base64 (`Buffer`, `ArrayBuffer`, `DataView` and every typed
 * array, in this machine's byte order, little-endian on every platform Node supports). A plain
 * object that has its own `$t` key is wrapped as `{ "$t": "object", "v": {…} }`, so no user data
 * is ever mistaken for a tag. Shared references are written once per use; cycles, functions,
 * symbols and class instances are refused with SERIALIZATION_FAILED naming where they are.
 */

const typedArrays = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

type TypedArrayName = keyof typeof typedArrays;

function isTypedArrayName(name: string): name is TypedArrayName {
  return Object.hasOwn(typedArrays, name);
}

function base64(view: ArrayBufferView | ArrayBuffer): string {
  return view instanceof ArrayBuffer
    ? Buffer.from(view).toString("base64")
    : Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("base64");
}

function freshBytes(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, "base64");
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeType(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  const name = (value as object).constructor?.name;
  return name ? `a ${name} instance` : "an object of unknown kind";
}

function fail(serializer: string, where: string, what: string): never {
  throw new SerializationFailedError({
    serializer,
    direction: "serialize",
    reason: `${what} at ${where}`,
  });
}

/** Encodes a value as tagged JSON (see the module comment). Throws SERIALIZATION_FAILED. */
export function encodeRich(value: unknown, serializer = "rich"): JsonValue {
  const ancestors = new Set<object>();
  const encode = (current: unknown, where: string): JsonValue => {
    switch (typeof current) {
      case "string":
      case "boolean":
        return current;
      case "undefined":
        return { $t: "undefined" };
      case "bigint":
        return { $t: "bigint", v: current.toString() };
      case "number":
        if (Number.isNaN(current)) return { $t: "number", v: "NaN" };
        if (current === Number.POSITIVE_INFINITY) return { $t: "number", v: "Infinity" };
        if (current === Number.NEGATIVE_INFINITY) return { $t: "number", v: "-Infinity" };
        if (Object.is(current, -0)) return { $t: "number", v: "-0" };
        return current;
      case "function":
      case "symbol":
        return fail(serializer, where, describeType(current));
    }
    if (current === null) return null;
    const object = current as object;
    if (ancestors.has(object)) fail(serializer, where, "a reference cycle");
    ancestors.add(object);
    try {
      if (Array.isArray(object)) {
        const items: JsonValue[] = [];
        for (let index = 0; index < object.length; index++) {
          items.push(encode(object[index], `${where}[${index}]`));
        }
        return items;
      }
      if (object instanceof Date) {
        return { $t: "Date", v: Number.isNaN(object.getTime()) ? null : object.toISOString() };
      }
      if (object instanceof Map) {
        let index = 0;
        return {
          $t: "Map",
          v: [...object].map(([key, item]) => {
            const entry = `${where}<map entry ${index++}>`;
            return [encode(key, entry), encode(item, entry)];
          }),
        };
      }
      if (object instanceof Set) {
        let index = 0;
        return {
          $t: "Set",
          v: [...object].map((item) => encode(item, `${where}<set item ${index++}>`)),
        };
      }
      if (object instanceof RegExp) return { $t: "RegExp", v: [object.source, object.flags] };
      if (Buffer.isBuffer(object)) return { $t: "Buffer", v: base64(object) };
      if (object instanceof ArrayBuffer) return { $t: "ArrayBuffer", v: base64(object) };
      if (object instanceof DataView) return { $t: "DataView", v: base64(object) };
      if (ArrayBuffer.isView(object)) {
        const name = object.constructor.name;
        if (isTypedArrayName(name)) return { $t: name, v: base64(object) };
      }
      if (!isPlainObject(object)) return fail(serializer, where, describeType(object));
      const encoded: Record<string, JsonValue> = {};
      for (const key of Object.keys(object)) {
        const item = encode((object as Record<string, unknown>)[key], `${where}.${key}`);
        Object.defineProperty(encoded, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      for (const symbol of Object.getOwnPropertySymbols(object)) {
        if (Object.prototype.propertyIsEnumerable.call(object, symbol)) {
          fail(serializer, `${where}[${String(symbol)}]`, "a symbol-keyed property");
        }
      }
      return Object.hasOwn(object, "$t") ? { $t: "object", v: encoded } : encoded;
    } finally {
      ancestors.delete(object);
    }
  };
  return encode(value, "$");
}

function corrupt(serializer: string, where: string, what: string): never {
  throw new SerializationFailedError({
    serializer,
    direction: "deserialize",
    reason: `${what} at ${where}`,
  });
}

/** Decodes tagged JSON made by `encodeRich`. Throws SERIALIZATION_FAILED for unknown tags. */
export function decodeRich(value: JsonValue, serializer = "rich"): unknown {
  const decode = (current: JsonValue, where: string): unknown => {
    if (current === null || typeof current !== "object") return current;
    if (Array.isArray(current))
      return current.map((item, index) => decode(item, `${where}[${index}]`));
    if (!Object.hasOwn(current, "$t")) return decodeObject(current, where);
    const tag = current.$t;
    const content = current.v;
    switch (tag) {
      case "undefined":
        return undefined;
      case "object":
        if (content === null || typeof content !== "object" || Array.isArray(content)) {
          return corrupt(serializer, where, "a malformed object wrapper");
        }
        return decodeObject(content, where);
      case "number":
        if (content === "NaN") return Number.NaN;
        if (content === "Infinity") return Number.POSITIVE_INFINITY;
        if (content === "-Infinity") return Number.NEGATIVE_INFINITY;
        if (content === "-0") return -0;
        return corrupt(serializer, where, "an unknown special number");
      case "bigint":
        if (typeof content !== "string" || !/^-?\d+$/.test(content)) {
          return corrupt(serializer, where, "a malformed bigint");
        }
        return BigInt(content);
      case "Date":
        return new Date(typeof content === "string" ? content : Number.NaN);
      case "Map":
        if (!Array.isArray(content)) return corrupt(serializer, where, "a malformed Map");
        return new Map(
          content.map((entry, index) => {
            if (!Array.isArray(entry) || entry.length !== 2) {
              return corrupt(serializer, where, "a malformed Map entry");
            }
            const at = `${where}<map entry ${index}>`;
            return [decode(entry[0]!, at), decode(entry[1]!, at)] as const;
          }),
        );
      case "Set":
        if (!Array.isArray(content)) return corrupt(serializer, where, "a malformed Set");
        return new Set(content.map((item, index) => decode(item, `${where}<set item ${index}>`)));
      case "RegExp":
        if (
          !Array.isArray(content) ||
          typeof content[0] !== "string" ||
          typeof content[1] !== "string"
        ) {
          return corrupt(serializer, where, "a malformed RegExp");
        }
        return new RegExp(content[0], content[1]);
    }
    if (typeof tag !== "string" || typeof content !== "string") {
      return corrupt(serializer, where, "a malformed tag");
    }
    if (tag === "Buffer") return Buffer.from(content, "base64");
    if (tag === "ArrayBuffer") return freshBytes(content);
    if (tag === "DataView") return new DataView(freshBytes(content));
    if (isTypedArrayName(tag)) return new typedArrays[tag](freshBytes(content));
    return corrupt(serializer, where, `an unknown tag "${tag}"`);
  };
  const decodeObject = (object: { [key: string]: JsonValue }, where: string): object => {
    const decoded: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      // defineProperty, so a "__proto__" key stays data and never changes the prototype.
      Object.defineProperty(decoded, key, {
        value: decode(object[key]!, `${where}.${key}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return decoded;
  };
  return decode(value, "$");
}
