import type { JsonObject, JsonValue } from "../../schema/index.js";
import type { CliContext } from "../context.js";
import {
  documentJson,
  presentData,
  requireDocument,
  revealWith,
  shortTime,
} from "../stored-documents.js";

/**
 * Flattens data to `path  value` lines for the human view. Arrays are shown as JSON, or item by
 * item (`tags.0`) with `expandArrays`, as a diff needs.
 */
export function flattenData(
  data: JsonValue,
  prefix = "",
  expandArrays = false,
): Array<[string, string]> {
  if (expandArrays && Array.isArray(data) && data.length > 0) {
    return data.flatMap((item, index) =>
      flattenData(item, prefix ? `${prefix}.${index}` : `${index}`, expandArrays),
    );
  }
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const keys = Object.keys(data);
    if ("$ref" in data && keys.length === 1) return [[prefix, `→ ${String(data.$ref)}`]];
    if ("$reference" in data && keys.length === 1) {
      return [[prefix, `******** (reference to ${String(data.$reference)})`]];
    }
    if (keys.length === 0 && prefix) return [[prefix, "{}"]];
    return keys.flatMap((key) =>
      flattenData((data as JsonObject)[key]!, prefix ? `${prefix}.${key}` : key, expandArrays),
    );
  }
  return [[prefix, typeof data === "string" ? data : JSON.stringify(data)]];
}

/** `tessera block inspect <slug> [--revision n] [--show-secrets]`. */
export async function inspectBlockCommand(
  context: CliContext,
  slug: string,
  options: { revision?: number; showSecrets?: boolean; json?: boolean },
): Promise<void> {
  const store = await context.store();
  const document = await requireDocument(store, slug, options.revision);
  let onSealed: Parameters<typeof presentData>[2];
  if (options.showSecrets) {
    const { getSecretCipher } = await import("../../secrets/index.js");
    onSealed = revealWith(await getSecretCipher(store), document);
  }
  const data = await presentData(store, document.data, onSealed);
  const { output } = context;
  if (options.json) {
    output.json(documentJson(document, data));
    return;
  }
  const { dim, cyan } = output.colors;
  output.fields([
    ["slug", cyan(`${document.type}/${document.name}`)],
    ["id", document.id],
    ["revision", String(document.revision)],
    ["schema", `${document.schemaVersion} (${document.schemaChecksum})`],
    ...(document.package
      ? ([["package", `${document.package.name}@${document.package.version}`]] as Array<
          [string, string]
        >)
      : []),
    ["created", shortTime(document.createdAt)],
    ["updated", shortTime(document.updatedAt)],
  ]);
  output.line();
  const rows = flattenData(data);
  if (rows.length === 0) output.line(dim("(no fields)"));
  else
    output.table(
      ["FIELD", "VALUE"],
      rows.map(([path, value]) => [path, value]),
    );
}
