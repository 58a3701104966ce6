import { createHash, randomBytes } from "node:crypto";
import { assertSlugPart } from "../block/slug.js";
import { InvalidInputError } from "../errors/index.js";
import type { BlockStore } from "../store/index.js";

/**
 * What a token allows: `read` documents (secrets stay masked: no wrapped data keys), `write` them
 * (without reading secrets back), `reveal` = `read` plus the routes that return secret values, or
 * `admin` (everything, including keys, block types and tokens).
 */
export type ApiTokenScope = "read" | "write" | "reveal" | "admin";

/** The scopes a token can have. */
const apiTokenScopes: readonly ApiTokenScope[] = ["read", "write", "reveal", "admin"];

/** A token as the store records it: never the token itself, only its hash. */
export interface ApiTokenRecord {
  /** The first 12 hex digits of the token's SHA-256 hash: safe to print, names one token. */
  id: string;
  /** Who or what holds the token, such as `etl-worker`. Revisions it writes record `token:<name>`. */
  name: string;
  scope: ApiTokenScope;
  /** The block types the token may reach; absent for every type. */
  types?: string[];
  /** When the token was made (ISO 8601). */
  createdAt: string;
  /** When the token stops working (ISO 8601); absent for never. */
  expiresAt?: string;
  /** When the token was revoked (ISO 8601); absent while it is not. */
  revokedAt?: string;
}

/** Prefix of every store metadata key that holds token records; only admin tokens reach them. */
export const apiTokenMetaPrefix = "api-token:";
/** The metadata key that lists every token's hash, for `listApiTokens` and `revokeApiToken`. */
const indexKey = `${apiTokenMetaPrefix}index`;

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");
const recordKey = (hash: string) => `${apiTokenMetaPrefix}sha256:${hash}`;

/** Options of `createApiToken`. */
export interface CreateApiTokenOptions {
  /** Who holds the token: 1–64 letters, digits, dots, dashes or underscores. */
  name: string;
  scope: ApiTokenScope;
  /** Block type slugs the token is limited to. @default undefined (every type) */
  types?: readonly string[];
  /**
   * When the token stops working: a duration from now (`30d`, `12h`, `2w`, `90m`) or an ISO 8601
   * time with a zone (`2027-01-31T00:00:00Z`). @default undefined (never)
   */
  expires?: string;
  /** The time to measure `expires` from. @default new Date() */
  now?: Date;
}

const durationUnits: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** The ISO 8601 time `expires` names (see `CreateApiTokenOptions.expires`); `INVALID_INPUT` else. */
function parseTokenExpiry(expires: string, now: Date = new Date()): string {
  const duration = /^\s*(\d{1,6})\s*([mhdw])\s*$/.exec(expires);
  let at: Date | undefined;
  if (duration) {
    at = new Date(now.getTime() + Number(duration[1]) * durationUnits[duration[2]!]!);
  } else if (
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(expires)
  ) {
    at = new Date(expires.length === 10 ? `${expires}T00:00:00Z` : expires);
  }
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new InvalidInputError({
      subject: "--expires",
      message: `"${expires}" is not an expiry: give a duration from now (30d, 12h, 2w, 90m) or a time with its zone (2027-01-31T00:00:00Z).`,
    });
  }
  if (at.getTime() <= now.getTime()) {
    throw new InvalidInputError({
      subject: "--expires",
      message: `The expiry ${at.toISOString()} is not in the future. Give a later time or a duration such as 30d.`,
    });
  }
  return at.toISOString();
}

function checkTypes(types: readonly string[]): string[] {
  const cleaned = [...new Set(types.map((type) => type.trim().toLowerCase()))];
  if (cleaned.length === 0 || cleaned.includes("")) {
    throw new InvalidInputError({
      subject: "--types",
      message:
        "--types takes block type slugs separated by commas, such as s3-bucket,aws-credentials.",
    });
  }
  for (const type of cleaned) assertSlugPart(type, "type slug");
  return cleaned.sort();
}

const parseIndex = (stored: string | undefined): string[] =>
  stored === undefined ? [] : (JSON.parse(stored) as string[]);

async function readIndex(store: BlockStore): Promise<string[]> {
  return parseIndex(await store.getMeta(indexKey));
}

/** The records of the hashes in `index` not in `seen` (which it then holds). */
async function readRecords(
  store: BlockStore,
  index: string[],
  seen: Set<string>,
): Promise<ApiTokenRecord[]> {
  const records: ApiTokenRecord[] = [];
  for (const hash of index) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    const record = await readRecord(store, hash);
    if (record) records.push(record);
  }
  return records;
}

async function readRecord(store: BlockStore, hash: string): Promise<ApiTokenRecord | undefined> {
  const stored = await store.getMeta(recordKey(hash));
  if (stored === undefined) return undefined;
  return { id: hash.slice(0, 12), ...(JSON.parse(stored) as Omit<ApiTokenRecord, "id">) };
}

async function writeRecord(store: BlockStore, hash: string, record: ApiTokenRecord): Promise<void> {
  const { id: _id, ...stored } = record;
  await store.setMeta(recordKey(hash), JSON.stringify(stored));
}

/** Whether a record still lets requests in at `now`. */
function isTokenActive(record: ApiTokenRecord, now: Date = new Date()): boolean {
  return (
    record.revokedAt === undefined &&
    (record.expiresAt === undefined || Date.parse(record.expiresAt) > now.getTime())
  );
}

/**
 * Makes an API token for `tessera server` and records its SHA-256 hash (with its name, scope,
 * types and expiry) in the store. The token is returned once and cannot be read back. A name that
 * an active token already has is refused (`INVALID_INPUT`): revoke that token first or pick
 * another name, so `token:<name>` in a document's history names one holder.
 */
export async function createApiToken(
  store: BlockStore,
  options: CreateApiTokenOptions,
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
  const now = options.now ?? new Date();
  const types = options.types === undefined ? undefined : checkTypes(options.types);
  if (types !== undefined && options.scope === "admin") {
    throw new InvalidInputError({
      subject: "--types",
      message:
        "An admin token manages keys, block types and tokens of every type, so it cannot be limited to types. Use --scope read, write or reveal with --types.",
    });
  }
  const expiresAt =
    options.expires === undefined ? undefined : parseTokenExpiry(options.expires, now);
  const nameTaken = (holder: ApiTokenRecord) =>
    new InvalidInputError({
      subject: "--name",
      message: `An active token is already named "${options.name}" (id ${holder.id}). Revoke it first (tessera token revoke ${options.name}) or choose another name.`,
    });
  const activeHolder = (records: ApiTokenRecord[]) =>
    records.find((other) => other.name === options.name && isTokenActive(other, now));
  const seen = new Set<string>();
  const existingHolder = activeHolder(await readRecords(store, await readIndex(store), seen));
  if (existingHolder) throw nameTaken(existingHolder);

  const token = `tsk_${randomBytes(32).toString("base64url")}`;
  const hash = hashOf(token);
  const record: ApiTokenRecord = {
    id: hash.slice(0, 12),
    name: options.name,
    scope: options.scope,
    ...(types === undefined ? {} : { types }),
    createdAt: now.toISOString(),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
  await writeRecord(store, hash, record);
  // The hash joins the index by compare-and-swap. A swap that fails means another `token create`
  // added its token first: its record is read, and when it took this name the create is refused
  // and this record, whose token was never shown, is revoked.
  for (;;) {
    const stored = await store.getMeta(indexKey);
    const index = parseIndex(stored);
    const added = activeHolder(await readRecords(store, index, seen));
    if (added) {
      await writeRecord(store, hash, { ...record, revokedAt: now.toISOString() });
      throw nameTaken(added);
    }
    const next = JSON.stringify([...index, hash]);
    if (await store.setMeta(indexKey, next, { expected: stored ?? null })) break;
  }
  return { token, record };
}

/** Every token the store records (active, expired and revoked), oldest first. */
export async function listApiTokens(store: BlockStore): Promise<ApiTokenRecord[]> {
  const records = await readRecords(store, await readIndex(store), new Set());
  return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes every token named `nameOrId`, or the one whose id (or a prefix of at least 6 hex
 * digits) it is. Returns the records it revoked now; tokens revoked before are left as they were.
 * `INVALID_INPUT` when no token matches.
 */
export async function revokeApiToken(
  store: BlockStore,
  nameOrId: string,
  now: Date = new Date(),
): Promise<ApiTokenRecord[]> {
  const revoked: ApiTokenRecord[] = [];
  let matched = 0;
  for (const hash of await readIndex(store)) {
    const record = await readRecord(store, hash);
    if (!record) continue;
    const byId = /^[0-9a-f]{6,64}$/.test(nameOrId) && hash.startsWith(nameOrId);
    if (record.name !== nameOrId && !byId) continue;
    matched++;
    if (record.revokedAt !== undefined) continue;
    const next = { ...record, revokedAt: now.toISOString() };
    await writeRecord(store, hash, next);
    revoked.push(next);
  }
  if (matched === 0) {
    throw new InvalidInputError({
      subject: "token",
      message: `No token is named "${nameOrId}" or has that id. List tokens with tessera token list.`,
    });
  }
  return revoked;
}

/** The record of `token`, or `undefined` when the store knows no such token. */
export async function findApiToken(
  store: BlockStore,
  token: string,
): Promise<ApiTokenRecord | undefined> {
  return readRecord(store, hashOf(token));
}
