import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { InvalidKeyError, KeyFilePermissionsError } from "../errors/index.js";
import { tesseraHome } from "../store/index.js";
import { type MasterKey, masterKeyId } from "./aes-gcm-cipher.js";

/** The environment variable that holds master keys: base64 32-byte keys, comma-separated, newest first. */
export const ENCRYPTION_KEY_VARIABLE = "TESSERA_ENCRYPTION_KEY";

/** Where a key ring came from. */
export type MasterKeySource =
  /** `TESSERA_ENCRYPTION_KEY`. */
  | { kind: "environment"; variable: string }
  /** The key file (`$TESSERA_HOME/master.key`), one base64 key per line, newest first. */
  | { kind: "key-file"; path: string };

/** The master keys available to this process, newest first, and where they came from. */
export interface MasterKeyRing {
  keys: MasterKey[];
  source: MasterKeySource;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The key file: `$TESSERA_HOME/master.key`. */
export function keyFilePath(): string {
  return join(tesseraHome(), "master.key");
}

/** Describes a key source for messages ("TESSERA_ENCRYPTION_KEY", "the key file /…/master.key"). */
export function describeKeySource(source: MasterKeySource): string {
  return source.kind === "environment" ? source.variable : `the key file ${source.path}`;
}

/**
 * Parses base64 32-byte keys (newest first). Each entry is trimmed; an empty entry, text that is
 * not base64 or a key of another length is `INVALID_KEY` naming the source and position — never
 * the key text. Duplicates are dropped.
 */
export function parseMasterKeys(entries: string[], sourceName: string): MasterKey[] {
  const keys: MasterKey[] = [];
  entries.forEach((entry, index) => {
    const text = entry.trim();
    const position = index + 1;
    if (text === "") throw new InvalidKeyError(sourceName, position, "it is empty");
    if (!STRICT_BASE64.test(text)) {
      throw new InvalidKeyError(sourceName, position, "it is not base64 text");
    }
    const key = Buffer.from(text, "base64");
    if (key.length !== 32) {
      throw new InvalidKeyError(
        sourceName,
        position,
        `it decodes to ${key.length} bytes instead of 32`,
      );
    }
    const id = masterKeyId(key);
    if (!keys.some((known) => known.id === id)) keys.push({ id, key });
  });
  return keys;
}

/** The keys of `TESSERA_ENCRYPTION_KEY`, or `undefined` when it is unset or blank. */
export function readEnvironmentKeys(): MasterKeyRing | undefined {
  const text = process.env[ENCRYPTION_KEY_VARIABLE];
  if (text === undefined || text.trim() === "") return undefined;
  return {
    keys: parseMasterKeys(text.split(","), ENCRYPTION_KEY_VARIABLE),
    source: { kind: "environment", variable: ENCRYPTION_KEY_VARIABLE },
  };
}

/**
 * The keys of the key file, or `undefined` when it does not exist. A file that other users can
 * read or write (any of the bits 077) is refused with `KEY_FILE_PERMISSIONS` and the command that
 * fixes it.
 */
export function readKeyFile(path = keyFilePath()): MasterKeyRing | undefined {
  let text: string;
  try {
    if (process.platform !== "win32") {
      const { mode } = statSync(path);
      if ((mode & 0o077) !== 0) throw new KeyFilePermissionsError(path, mode);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new InvalidKeyError(path, 1, "the key file is empty");
  return { keys: parseMasterKeys(lines, path), source: { kind: "key-file", path } };
}

function writeTemporary(path: string, keys: readonly MasterKey[]): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const descriptor = openSync(temporary, "wx", 0o600);
  try {
    writeSync(descriptor, keys.map((key) => `${key.key.toString("base64")}\n`).join(""));
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  chmodSync(temporary, 0o600);
  return temporary;
}

function syncFolder(path: string): void {
  try {
    const descriptor = openSync(dirname(path), "r");
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  } catch {
    // Some platforms cannot open or fsync a folder; the rename itself is still atomic.
  }
}

/**
 * Creates the key file with one new random key, atomically (temporary file, fsync, hard link so
 * an existing file is never replaced, mode 0600). When another process created it first, its
 * keys are returned instead.
 */
export function createKeyFile(path = keyFilePath()): MasterKeyRing {
  const key = randomBytes(32);
  const temporary = writeTemporary(path, [{ id: masterKeyId(key), key }]);
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  syncFolder(path);
  const ring = readKeyFile(path);
  if (!ring) throw new Error(`The key file ${path} vanished while it was being created.`);
  return ring;
}

/** Replaces the key file's keys (newest first), atomically: temporary file, fsync, rename. */
export function writeKeyFile(path: string, keys: readonly MasterKey[]): void {
  const temporary = writeTemporary(path, keys);
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
  syncFolder(path);
}
