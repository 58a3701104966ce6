import { createHash, randomBytes } from "node:crypto";
import { InvalidInputError } from "../errors/index.js";
import type { BlockStore } from "../store/index.js";

/** What a token allows: `read` documents (without their data keys), `write` them, or `admin`. */
export type ApiTokenScope = "read" | "write" | "reveal" | "admin";

/** The scopes a token can have. */
const apiTokenScopes: readonly ApiTokenScope[] = ["read", "write", "reveal", "admin"];

/** A token as the store records it: never the token itself, only its hash (the record's key). */
export interface ApiTokenRecord {
  /** Who or what holds the token, such as `etl-worker`. */
  name: string;
  scope: ApiTokenScope;
  /** When the token was made (ISO 8601). */
  createdAt: string;
}

const metaKey = (token: string) =>
  `api-token:sha256:${createHash("sha256").update(token).digest("hex")}`;

/**
 * Makes an API token for `tessera server` and records its SHA-256 hash (with its name and scope)
 * in the store. The token is returned once and cannot be read back.
 */
export async function createApiToken(
  store: BlockStore,
  options: { name: string; scope: ApiTokenScope },
): Promise<{ token: string; record: ApiTokenRecord }> {
  if (!apiTokenScopes.includes(options.scope)) {
    throw new InvalidInputError({
      subject: "--scope",
      message: `The scope must be one of ${apiTokenScopes.join(", ")}, not "${options.scope}".`,
    });
  }
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(options.name)) {
    throw new InvalidInputError({
      subject: "--name",
      message:
        "A token name is 1–64 letters, digits, dots, dashes or underscores, such as etl-worker.",
    });
  }
  const token = `tsk_${randomBytes(32).toString("base64url")}`;
  const record: ApiTokenRecord = {
    name: options.name,
    scope: options.scope,
    createdAt: new Date().toISOString(),
  };
  await store.setMeta(metaKey(token), JSON.stringify(record));
  return { token, record };
}

/** The record of `token`, or `undefined` when the store knows no such token. */
export async function findApiToken(
  store: BlockStore,
  token: string,
): Promise<ApiTokenRecord | undefined> {
  const stored = await store.getMeta(metaKey(token));
  return stored === undefined ? undefined : (JSON.parse(stored) as ApiTokenRecord);
}
