import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import {
  InvalidKeyError,
  KeyFileBusyError,
  KeyFileChangedError,
  KeyFilePermissionsError,
  KeyFileUnsafeError,
} from "../errors/index.js";
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
    if (text === "")
      throw new InvalidKeyError({ source: sourceName, position, reason: "it is empty" });
    if (/^[0-9a-fA-F]{64}$/.test(text)) {
      throw new InvalidKeyError({
        source: sourceName,
        position,
        reason:
          "it is 64 hexadecimal digits (a hex key), and keys are read as base64. Convert it to base64 (for example with `xxd -r -p | base64`) and use that",
      });
    }
    if (!STRICT_BASE64.test(text)) {
      throw new InvalidKeyError({ source: sourceName, position, reason: "it is not base64 text" });
    }
    const key = Buffer.from(text, "base64");
    if (key.length !== 32) {
      throw new InvalidKeyError({
        source: sourceName,
        position,
        reason: `it decodes to ${key.length} bytes instead of 32`,
      });
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

/** Reads the key file through one descriptor, after checking that very descriptor. */
function readCheckedKeyFile(path: string): string | undefined {
  let descriptor: number;
  try {
    // O_NOFOLLOW: a symbolic link is never followed, so the file checked is the file read.
    descriptor = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP" || code === "EMLINK") {
      throw new KeyFileUnsafeError({ path, reason: "is a symbolic link" });
    }
    throw error;
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) throw new KeyFileUnsafeError({ path, reason: "is not a regular file" });
    if (process.platform !== "win32") {
      const uid = process.getuid?.();
      if (uid !== undefined && stats.uid !== uid) {
        throw new KeyFileUnsafeError({
          path,
          reason: `is owned by user id ${stats.uid}, not by this user (${uid})`,
        });
      }
      if ((stats.mode & 0o077) !== 0) throw new KeyFilePermissionsError({ path, mode: stats.mode });
    }
    return readFileSync(descriptor, "utf8");
  } finally {
    closeSync(descriptor);
  }
}

/**
 * The keys of the key file, or `undefined` when it does not exist. The file is opened without
 * following symbolic links and checked through the same descriptor it is read from: a symbolic
 * link, or a file owned by another user, is `KEY_FILE_UNSAFE`; a file that other users can read or
 * write (any of the bits 077) is `KEY_FILE_PERMISSIONS` with the command that fixes it.
 */
export function readKeyFile(path = keyFilePath()): MasterKeyRing | undefined {
  const text = readCheckedKeyFile(path);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines.length === 0)
    throw new InvalidKeyError({ source: path, position: 1, reason: "the key file is empty" });
  return { keys: parseMasterKeys(lines, path), source: { kind: "key-file", path } };
}

/** The backup file of retired keys beside the key file (`master.key.retired`). */
export function retiredKeyFilePath(path = keyFilePath()): string {
  return `${path}.retired`;
}

/** The lock file beside the key file (`master.key.lock`). */
function keyFileLockPath(path = keyFilePath()): string {
  return `${path}.lock`;
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
  if (!ring) throw new KeyFileChangedError({ path, what: "vanished while it was being created" });
  return ring;
}

/**
 * Replaces the key file's keys (newest first), atomically: temporary file, fsync, rename. Callers
 * that read the file first hold its lock (`updateKeyFile`), or a concurrent change can be lost.
 */
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

/** How long a key-file change waits for another one to finish. */
const LOCK_TIMEOUT_MS = 30_000;
/** A lock older than this is stale whoever holds it (a change holds it for milliseconds). */
const LOCK_STALE_MS = 10 * 60_000;

interface LockHolder {
  pid: number;
  host: string;
  time: number;
  token: string;
}

function readLockHolder(lockPath: string): LockHolder | undefined {
  try {
    const [pid, host, time, token] = readFileSync(lockPath, "utf8").split("\n");
    return { pid: Number(pid), host: host ?? "", time: Number(time), token: token ?? "" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function isStale(holder: LockHolder): boolean {
  if (!Number.isFinite(holder.time) || Date.now() - holder.time > LOCK_STALE_MS) return true;
  if (holder.host !== hostname() || !Number.isSafeInteger(holder.pid)) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Removes a stale lock: moves it aside under a unique name (only one process wins the move), and
 * puts it back when what was moved is not the stale lock judged (another process took the lock
 * in between).
 */
function breakStaleLock(lockPath: string, stale: LockHolder): void {
  const aside = `${lockPath}.${process.pid}.${randomBytes(6).toString("hex")}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readLockHolder(aside);
  if (moved && moved.token !== stale.token) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // A third process holds a new lock already; the one moved aside was given up by then.
    }
  }
  unlinkSync(aside);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `change` while holding the key file's exclusive lock: a file `master.key.lock` beside it,
 * holding the pid, host, time and a random token, created exclusively (a hard link, which fails
 * when the lock exists, of a file already written). A lock whose process is
 * gone (same host) or that is older than ten minutes is stale and broken; otherwise the caller
 * waits, up to 30 s, then fails with `KEY_FILE_BUSY`.
 */
export async function withKeyFileLock<T>(path: string, change: () => T | Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lockPath = keyFileLockPath(path);
  const token = randomBytes(12).toString("hex");
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    // The lock appears with its content in one step (a hard link of a written file), so no
    // process ever reads a half-written lock and takes it for a stale one.
    const temporary = `${lockPath}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    const descriptor = openSync(temporary, "wx", 0o600);
    try {
      writeSync(descriptor, `${process.pid}\n${hostname()}\n${Date.now()}\n${token}\n`);
    } finally {
      closeSync(descriptor);
    }
    let taken = false;
    try {
      linkSync(temporary, lockPath);
      taken = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temporary);
    }
    if (taken) break;
    const holder = readLockHolder(lockPath);
    if (holder && isStale(holder)) {
      breakStaleLock(lockPath, holder);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= LOCK_TIMEOUT_MS) {
      throw new KeyFileBusyError({
        lockPath,
        waitedMs: waited,
        holder: holder
          ? `process ${holder.pid} on ${holder.host}`
          : "a process that just released it",
      });
    }
    await pause(Math.min(200, 5 + attempt * 5) * (0.5 + Math.random()));
  }
  try {
    return await change();
  } finally {
    const holder = readLockHolder(lockPath);
    if (holder?.token === token) unlinkSync(lockPath);
  }
}

/**
 * Appends keys to the backup file of retired keys beside the key file (`master.key.retired`,
 * mode 0600, one base64 key per line, keys already there kept), so a retired key can be restored
 * for backups of the store. Call while holding the key file's lock.
 */
export function backUpRetiredKeys(path: string, keys: readonly MasterKey[]): void {
  const backup = retiredKeyFilePath(path);
  // A backup that cannot be read stops the retirement rather than being overwritten.
  const kept = readKeyFile(backup)?.keys ?? [];
  const merged = [...kept];
  for (const key of keys) if (!merged.some((known) => known.id === key.id)) merged.push(key);
  if (merged.length !== kept.length) writeKeyFile(backup, merged);
}
