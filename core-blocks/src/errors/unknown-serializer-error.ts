import { isTesseraErrorWithCode, TesseraError } from "./tessera-error.js";

/** A stored result names a serializer (or compression) this process does not know. */
export class UnknownSerializerError extends TesseraError {
  static readonly code = "UNKNOWN_SERIALIZER";
  /** The serializer name recorded with the result. */
  readonly serializer: string;
  /** The result key. */
  readonly key: string;
  /** Serializer names this store knows. */
  readonly known: string[];

  constructor(serializer: string, key: string, known: string[]) {
    super(
      UnknownSerializerError.code,
      `The result stored under "${key}" was written with the "${serializer}" serializer, which this store does not know (it knows ${known.map((name) => `"${name}"`).join(", ")}). Pass that serializer in the ResultStore's \`serializers\` option.`,
    );
    this.serializer = serializer;
    this.key = key;
    this.known = known;
  }

  static override isInstance(value: unknown): value is UnknownSerializerError {
    return isTesseraErrorWithCode(value, UnknownSerializerError.code);
  }
}
