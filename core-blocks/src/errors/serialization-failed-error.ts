import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";

/** A serializer could not turn a value into bytes, or bytes back into a value. */
export class SerializationFailedError extends TesseraError {
  static readonly code = "SERIALIZATION_FAILED";
  /** The serializer's name, such as `json`. */
  readonly serializer: string;
  /** `serialize` or `deserialize`. */
  readonly direction: "serialize" | "deserialize";
  /** What went wrong, in words (never the value itself). */
  readonly reason: string;

  constructor(
    details: {
      serializer: string;
      direction: "serialize" | "deserialize";
      reason: string;
    } & TesseraErrorOptions,
  ) {
    const { serializer, direction, reason } = details;
    const hint =
      direction === "serialize"
        ? `Use a serializer that carries this value ("rich" carries Date, Map, Set, BigInt, typed arrays and undefined; "binary" carries bytes and streams) or write your own Serializer.`
        : "The stored bytes do not decode with this serializer: delete the result and store it again.";
    super(
      SerializationFailedError.code,
      `The "${serializer}" serializer could not ${direction} the value: ${reason}. ${details.advice ?? hint}`,
      details,
    );
    this.serializer = serializer;
    this.direction = direction;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is SerializationFailedError {
    return isTesseraErrorWithCode(value, SerializationFailedError.code);
  }
}
