import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { InvalidInputError, type JsonValue } from "@tessera/core";
import { GcpServiceAccountFileError } from "./errors/index.js";

/** The fields of a service-account key that the client libraries sign requests with. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  project_id?: string;
  [field: string]: unknown;
}

const requiredFields = ["client_email", "private_key"] as const;

/**
 * The key a plaintext holds: a JSON object or the JSON text of a key file. Answers a message
 * naming what is wrong (never quoting the key), or the key.
 */
function readKey(plaintext: JsonValue): ServiceAccountKey | string {
  let value: unknown = plaintext;
  if (typeof plaintext === "string") {
    try {
      value = JSON.parse(plaintext);
    } catch {
      return "is not JSON: give the key file's JSON object, or its text as downloaded";
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "must be a JSON object: the contents of a service-account key file";
  }
  const record = value as Record<string, unknown>;
  const missing = requiredFields.filter(
    (field) => typeof record[field] !== "string" || record[field] === "",
  );
  if (missing.length > 0) {
    return `lacks ${missing.join(" and ")}: give a whole service-account key file (type "service_account")`;
  }
  return record as ServiceAccountKey;
}

/** What is wrong with a service-account key given as a plaintext, or `undefined` when nothing. */
export function serviceAccountKeyProblem(plaintext: JsonValue): string | undefined {
  const key = readKey(plaintext);
  return typeof key === "string" ? `the service-account key ${key}` : undefined;
}

/** The key a revealed `serviceAccountInfo` holds (checked again: a stored value may predate the check). */
export function parseServiceAccountInfo(plaintext: JsonValue): ServiceAccountKey {
  const key = readKey(plaintext);
  if (typeof key === "string") {
    throw new InvalidInputError({
      subject: "serviceAccountInfo",
      message: `The service-account key in serviceAccountInfo ${key}. Save the block again with the whole key file there.`,
    });
  }
  return key;
}

/** `~/x` → the home folder's `x`. */
function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? `${homedir()}${path.slice(1)}` : path;
}

/** Reads and checks a key file, when a client first needs it. */
export async function readServiceAccountFile(path: string): Promise<ServiceAccountKey> {
  const expanded = expandHome(path);
  let text: string;
  try {
    text = await readFile(expanded, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file on this machine"
        : code === "EACCES"
          ? "this process may not read it"
          : code === "EISDIR"
            ? "it is a folder"
            : `it cannot be read (${code ?? "unknown error"})`;
    throw new GcpServiceAccountFileError({ path: expanded, reason, cause: error });
  }
  const key = readKey(text);
  if (typeof key === "string") {
    throw new GcpServiceAccountFileError({ path: expanded, reason: `the file ${key}` });
  }
  return key;
}
