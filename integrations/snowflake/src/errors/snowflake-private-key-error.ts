import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/** What is wrong with a private key given to `snowflake-credentials`. */
export type PrivateKeyProblem =
  /** Neither a PEM block nor base64 DER of a private key. */
  | "not-a-key"
  /** A public key or a certificate, not the private key. */
  | "public-key"
  /** A private key of another algorithm (EC, Ed25519): Snowflake key-pair auth takes RSA. */
  | "not-rsa"
  /** A PKCS#1 key encrypted with OpenSSL's legacy scheme (`Proc-Type: 4,ENCRYPTED`). */
  | "pkcs1-encrypted"
  /** An encrypted PKCS#8 key without `privateKeyPassphrase`. */
  | "encrypted-without-passphrase"
  /** `privateKeyPassphrase` does not decrypt the key. */
  | "wrong-passphrase"
  /** `privateKeyPassphrase` is set but the key is not encrypted. */
  | "passphrase-without-encryption";

const explanations: Record<PrivateKeyProblem, string> = {
  "not-a-key":
    "is not a private key: expected a PEM block (-----BEGIN PRIVATE KEY----- …, its newlines may be lost) or the base64 of a DER key. Paste the whole key file, frame included.",
  "public-key":
    "is a public key or a certificate. Give the private key (rsa_key.p8), and register the public key with the Snowflake user (ALTER USER … SET RSA_PUBLIC_KEY).",
  "not-rsa":
    "is not an RSA key. Snowflake key-pair authentication takes RSA keys: create one with `openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out rsa_key.p8`.",
  "pkcs1-encrypted":
    "is a PKCS#1 key (BEGIN RSA PRIVATE KEY) encrypted with OpenSSL's legacy scheme, which Snowflake's drivers do not read. Convert it to encrypted PKCS#8: `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out rsa_key.p8`.",
  "encrypted-without-passphrase":
    "is an encrypted PKCS#8 key (BEGIN ENCRYPTED PRIVATE KEY) and no privateKeyPassphrase is set. Set privateKeyPassphrase, or give an unencrypted key.",
  "wrong-passphrase":
    "is an encrypted PKCS#8 key that privateKeyPassphrase does not decrypt. Correct privateKeyPassphrase.",
  "passphrase-without-encryption":
    "is not encrypted, but privateKeyPassphrase is set. Remove privateKeyPassphrase, or give the encrypted key it belongs to.",
};

/**
 * A private key for Snowflake key-pair authentication cannot be used as given. Names the format
 * problem (PKCS#1 against PKCS#8, encrypted without a passphrase, not a key) and never the key.
 */
export class SnowflakePrivateKeyError extends TesseraError {
  static readonly code = "SNOWFLAKE_INVALID_PRIVATE_KEY";
  /** What is wrong with the key. */
  readonly problem: PrivateKeyProblem;

  constructor(details: { problem: PrivateKeyProblem } & TesseraErrorOptions) {
    super(
      SnowflakePrivateKeyError.code,
      `The privateKey of snowflake-credentials ${explanations[details.problem]}${details.advice === undefined ? "" : ` ${details.advice}`}`,
      details,
    );
    this.problem = details.problem;
  }

  static override isInstance(value: unknown): value is SnowflakePrivateKeyError {
    return isTesseraErrorWithCode(value, SnowflakePrivateKeyError.code);
  }
}
