import { describe, expect, it } from "vitest";
import { setDefiningPackage } from "../block/block.js";
import { blockTypeRecordOf } from "../block/block-type-record.js";
import { registerBlockType } from "../block/registry.js";
import { setAtPath } from "../cli/set-expression.js";
import { AesGcmSecretCipher } from "../secrets/aes-gcm-cipher.js";
import { InvalidInputError } from "./index.js";

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("mistakes a user can make through the public API fail with coded errors", () => {
  it("refuses to register a class not made with defineBlock with INVALID_INPUT", () => {
    const error = thrownBy(() => registerBlockType(class NotABlock {}));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "INVALID_INPUT", subject: "registerBlockType" });
  });

  it("refuses to record the defining package of a class not made with defineBlock with INVALID_INPUT", () => {
    const error = thrownBy(() =>
      setDefiningPackage(class NotABlock {} as never, { name: "x", version: "1.0.0" } as never),
    );
    expect(error).toMatchObject({ code: "INVALID_INPUT", subject: "setDefiningPackage" });
  });

  it("refuses to describe the type record of a class not made with defineBlock with INVALID_INPUT", () => {
    expect(thrownBy(() => blockTypeRecordOf(class NotABlock {}))).toMatchObject({
      code: "INVALID_INPUT",
      message: "Expected a class made with defineBlock.",
    });
  });

  it("refuses a cipher without master keys, or with a key of the wrong length, with INVALID_INPUT", () => {
    expect(thrownBy(() => new AesGcmSecretCipher([]))).toMatchObject({
      code: "INVALID_INPUT",
      message: "AesGcmSecretCipher needs at least one master key.",
    });
    expect(
      thrownBy(() => new AesGcmSecretCipher([{ id: "k1", key: Buffer.alloc(16) } as never])),
    ).toMatchObject({ code: "INVALID_INPUT", message: "A master key must be 32 bytes long." });
  });

  it("refuses a --set path through __proto__ with INVALID_INPUT naming the field", () => {
    expect(thrownBy(() => setAtPath({}, ["__proto__", "polluted"], 1))).toMatchObject({
      code: "INVALID_INPUT",
      subject: "__proto__",
      message: "Refusing to write field __proto__.",
    });
  });
});
