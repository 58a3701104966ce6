import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/**
 * A serializer name this store does not know: one recorded with a stored result (or its
 * compression), or the `serializer` option of a new ResultStore.
 */
export class UnknownSerializerError extends TesseraError {
  static readonly code = "UNKNOWN_SERIALIZER";
  /** The serializer name recorded with the result. */
  readonly serializer: string;
  /** The result key, or `undefined` when the name was the ResultStore's `serializer` option. */
  readonly key: string | undefined;
  /** Serializer names this store knows. */
  readonly known: string[];

  constructor(
    details: {
      serializer: string;
      key?: string | undefined;
      known: string[];
    } & TesseraErrorOptions,
  ) {
    const { serializer, key, known } = details;
    const knownNames = known.map((name) => `"${name}"`).join(", ");
    super(
      UnknownSerializerError.code,
      key === undefined
        ? `The ResultStore's serializer "${serializer}" is not one it knows (it knows ${knownNames}). ${details.advice ?? "Name one of those, or pass your Serializer object as `serializer` (or in `serializers`)."}`
        : `The result stored under "${key}" was written with the "${serializer}" serializer, which this store does not know (it knows ${knownNames}). ${details.advice ?? "Pass that serializer in the ResultStore's `serializers` option."}`,
      details,
    );
    this.serializer = serializer;
    this.key = key;
    this.known = known;
  }

  static override isInstance(value: unknown): value is UnknownSerializerError {
    return isTesseraErrorWithCode(value, UnknownSerializerError.code);
  }
}
