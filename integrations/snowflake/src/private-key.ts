/**
 * Normalises and checks the private key of Snowflake key-pair authentication with node:crypto,
 * so a key that cannot work is refused when it is saved, not hours later at login.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { type PrivateKeyProblem, SnowflakePrivateKeyError } from "./errors/index.js";

/** A private key as `normalizePrivateKey` returns it. */
export interface NormalizedPrivateKey {
  /**
   * The key as a PEM block with its newlines: PKCS#8 (`BEGIN PRIVATE KEY`), or the encrypted
   * PKCS#8 block as given (`BEGIN ENCRYPTED PRIVATE KEY`), never decrypted for storage. A PKCS#1
   * key (`BEGIN RSA PRIVATE KEY`) is converted to PKCS#8, the form Snowflake documents.
   */
  pem: string;
  /** Whether the PEM is encrypted (then `privateKeyPassphrase` decrypts it). */
  encrypted: boolean;
  /** The form the key was given in. */
  givenAs: "pkcs8" | "pkcs1" | "encrypted-pkcs8";
}

const pemFrame = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/;

function fail(problem: PrivateKeyProblem, cause?: unknown): never {
  throw new SnowflakePrivateKeyError(cause === undefined ? { problem } : { problem, cause });
}

/** Base64 text re-wrapped at 64 characters inside a PEM frame. */
function pemBlock(label: string, base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER bytes of a PEM body or a base64 text, or undefined when it is not base64. */
function base64Bytes(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact.length < 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

function isMissingPassphrase(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "ERR_MISSING_PASSPHRASE";
}

function requireRsa(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "rsa-pss") fail("not-rsa");
  return key;
}

/** Opens an encrypted PKCS#8 DER key with `passphrase`, naming what went wrong. */
function openEncrypted(der: Buffer, passphrase: string | undefined): KeyObject {
  if (passphrase === undefined || passphrase === "") fail("encrypted-without-passphrase");
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8", passphrase });
  } catch (error) {
    return fail("wrong-passphrase", error);
  }
}

/** Whether DER bytes are an encrypted PKCS#8 key (opening it without a passphrase says so). */
function isEncryptedPkcs8(der: Buffer): boolean {
  try {
    createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return false;
  } catch (error) {
    return isMissingPassphrase(error);
  }
}

function tryOpen(der: Buffer, type: "pkcs8" | "pkcs1"): KeyObject | undefined {
  try {
    return createPrivateKey({ key: der, format: "der", type });
  } catch {
    return undefined;
  }
}

function finish(
  key: KeyObject,
  givenAs: "pkcs8" | "pkcs1",
  passphrase: string | undefined,
): NormalizedPrivateKey {
  requireRsa(key);
  if (passphrase !== undefined && passphrase !== "") fail("passphrase-without-encryption");
  const pem = key.export({ format: "pem", type: "pkcs8" }).toString();
  return { pem, encrypted: false, givenAs };
}

/**
 * Reads a private key given as a PEM block (with or without its newlines, as pasted into a form
 * that dropped them) or as the base64 of a DER key, checks it with node:crypto (RSA, decryptable
 * with `passphrase` when encrypted) and answers it as a well-formed PEM block.
 *
 * @throws SnowflakePrivateKeyError naming the problem (not a key, a public key, not RSA, legacy
 *   encrypted PKCS#1, encrypted without a passphrase, a wrong passphrase, a passphrase for an
 *   unencrypted key); the message never holds the key.
 */
export function normalizePrivateKey(text: string, passphrase?: string): NormalizedPrivateKey {
  const trimmed = text.trim();
  const framed = pemFrame.exec(trimmed);
  if (framed === null) {
    if (trimmed.includes("-----BEGIN")) fail("not-a-key");
    const der = base64Bytes(trimmed);
    if (der === undefined) return fail("not-a-key");
    if (isEncryptedPkcs8(der)) {
      requireRsa(openEncrypted(der, passphrase));
      return {
        pem: pemBlock("ENCRYPTED PRIVATE KEY", der.toString("base64")),
        encrypted: true,
        givenAs: "encrypted-pkcs8",
      };
    }
    const pkcs8 = tryOpen(der, "pkcs8");
    if (pkcs8 !== undefined) return finish(pkcs8, "pkcs8", passphrase);
    const pkcs1 = tryOpen(der, "pkcs1");
    if (pkcs1 !== undefined) return finish(pkcs1, "pkcs1", passphrase);
    return fail("not-a-key");
  }
  const label = framed[1] as string;
  const body = framed[2] as string;
  if (label.includes("PUBLIC KEY") || label === "CERTIFICATE") fail("public-key");
  if (label === "RSA PRIVATE KEY" && /Proc-Type:\s*4,ENCRYPTED/.test(body)) {
    fail("pkcs1-encrypted");
  }
  const der = base64Bytes(body);
  if (der === undefined) return fail("not-a-key");
  switch (label) {
    case "ENCRYPTED PRIVATE KEY":
      requireRsa(openEncrypted(der, passphrase));
      return {
        pem: pemBlock(label, der.toString("base64")),
        encrypted: true,
        givenAs: "encrypted-pkcs8",
      };
    case "PRIVATE KEY": {
      const key = tryOpen(der, "pkcs8");
      if (key === undefined) return fail("not-a-key");
      return finish(key, "pkcs8", passphrase);
    }
    case "RSA PRIVATE KEY": {
      const key = tryOpen(der, "pkcs1");
      if (key === undefined) return fail("not-a-key");
      return finish(key, "pkcs1", passphrase);
    }
    case "EC PRIVATE KEY":
      return fail("not-rsa");
    default:
      return fail("not-a-key");
  }
}
