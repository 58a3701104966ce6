import { createHash, createHmac, randomBytes } from "node:crypto";
import { type BlockSchema, isBlock } from "../block/index.js";
import { canonicalJson } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";

/**
 * This process's key for secrets in fingerprints: each secret enters a fingerprint as an
 * HMAC-SHA-256 under it, so a fingerprint (a cache key held in memory) never holds a secret in
 * clear and cannot be brute-forced back into one, and means nothing in another process.
 */
const secretKey = randomBytes(32);

/**
 * A stable fingerprint of a block's configuration: the SHA-256 (hex) of the canonical JSON
 * (RFC 8785) of its type and every schema field it holds, defaults applied, nested blocks by
 * their fields, and each secret as an HMAC-SHA-256 of its revealed value under a per-process
 * random key. Equal configurations give equal fingerprints, whatever instance holds them or how
 * a secret was given (a value, a reference); a field added to the schema is part of it without
 * anyone listing it. Reveals the block's secrets (only in memory).
 */
export async function fingerprint(block: object): Promise<string> {
  const canonical = canonicalJson(await fingerprintInput(block));
  return createHash("sha256")
    .update(canonical ?? "")
    .digest("hex");
}

async function fingerprintInput(block: object): Promise<unknown> {
  const blockClass = block.constructor as unknown as { type: string; schema: BlockSchema };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(blockClass.schema.shape)) {
    fields[key] = (block as Record<string, unknown>)[key];
  }
  const parsed = blockClass.schema.safeParse(fields);
  const values = parsed.success ? (parsed.data as Record<string, unknown>) : fields;
  return { type: blockClass.type, fields: await fingerprintValue(values) };
}

async function fingerprintValue(value: unknown): Promise<unknown> {
  if (SecretValue.isInstance(value)) {
    const revealed = await value.reveal();
    const bytes = typeof revealed === "string" ? revealed : (canonicalJson(revealed) ?? "");
    return { $secretHmac: createHmac("sha256", secretKey).update(bytes).digest("hex") };
  }
  if (isBlock(value)) return fingerprintInput(value as object);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return Promise.all(value.map(fingerprintValue));
  if (typeof value === "object" && value !== null) {
    const entries: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) entries[key] = await fingerprintValue(item);
    }
    return entries;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
