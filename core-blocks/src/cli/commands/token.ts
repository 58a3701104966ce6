import {
  type ApiTokenScope,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from "../../server/index.js";
import type { CliContext } from "../context.js";
import { shortTime } from "../stored-documents.js";

/** `tessera token create`: prints the new token once, on standard output. */
export async function tokenCreateCommand(
  context: CliContext,
  options: { name: string; scope: string; types?: string; expires?: string; json?: boolean },
): Promise<void> {
  const store = await context.store();
  const { token, record } = await createApiToken(store, {
    name: options.name,
    scope: options.scope as ApiTokenScope,
    ...(options.types === undefined ? {} : { types: options.types.split(",") }),
    ...(options.expires === undefined ? {} : { expires: options.expires }),
  });
  if (options.json) {
    context.output.json({ token, ...record });
  } else {
    context.output.line(token);
  }
  const limits = [
    record.types ? `limited to ${record.types.join(", ")}` : "",
    record.expiresAt ? `expiring at ${record.expiresAt}` : "",
  ].filter(Boolean);
  context.output.note(
    `Made a ${record.scope} token for "${record.name}" (id ${record.id}${limits.length ? `, ${limits.join(", ")}` : ""}). It is shown only now: the store keeps its hash. Give it to the client as TESSERA_API_KEY.`,
  );
}

/** `tessera token list`: the records, never the tokens. */
export async function tokenListCommand(
  context: CliContext,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const records = await listApiTokens(store);
  const { output } = context;
  if (options.json) {
    output.json(
      records.map((record) => ({
        id: record.id,
        name: record.name,
        scope: record.scope,
        types: record.types ?? null,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt ?? null,
        revokedAt: record.revokedAt ?? null,
      })),
    );
    return;
  }
  output.table(
    ["NAME", "ID", "SCOPE", "TYPES", "CREATED", "EXPIRES", "REVOKED"],
    records.map((record) => [
      record.name,
      record.id,
      record.scope,
      record.types?.join(",") ?? "all",
      shortTime(record.createdAt),
      record.expiresAt ? shortTime(record.expiresAt) : "never",
      record.revokedAt ? shortTime(record.revokedAt) : "-",
    ]),
  );
}

/** `tessera token revoke <name-or-id>`. */
export async function tokenRevokeCommand(
  context: CliContext,
  nameOrId: string,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const revoked = await revokeApiToken(store, nameOrId);
  const { output } = context;
  if (options.json) {
    output.json(revoked.map(({ id, name, revokedAt }) => ({ id, name, revokedAt })));
    return;
  }
  output.line(
    revoked.length === 0
      ? `Every token matching "${nameOrId}" was already revoked.`
      : `Revoked ${revoked.length} token${revoked.length === 1 ? "" : "s"}: ${revoked.map((record) => `${record.name} (${record.id})`).join(", ")}. Servers that cached them stop accepting them within a few seconds.`,
  );
}
