import { formatSlug } from "../../block/slug.js";
import {
  isDocumentLink,
  isKeepMarker,
  isMissingLink,
  isSecretReferenceMarker,
} from "../../protocol/index.js";
import type { JsonObject, JsonValue } from "../../schema/index.js";
import type { BlockStore } from "../../store/index.js";
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
    if (isDocumentLink(data)) return [[prefix, `→ ${data.$ref}`]];
    if (isKeepMarker(data)) return [[prefix, '{ "$keep": true }']];
    if (isMissingLink(data)) return [[prefix, `→ (missing: block ${data.$missing} was deleted)`]];
    if (isSecretReferenceMarker(data)) {
      return [[prefix, `******** (reference to ${data.$reference})`]];
    }
    if (keys.length === 0 && prefix) return [[prefix, "{}"]];
    return keys.flatMap((key) =>
      flattenData((data as JsonObject)[key]!, prefix ? `${prefix}.${key}` : key, expandArrays),
    );
  }
  return [[prefix, typeof data === "string" ? data : JSON.stringify(data)]];
}

/** A secret reference found in a block's data, resolved for `--show-secrets`. */
interface ResolvedReference {
  /** Dotted field path. */
  path: string;
  /** The reference as stored: `secret/db`, `env:NAME`, `<type>/<name>`. */
  reference: string;
  /** What it resolves to now. */
  value: JsonValue;
}

/** Dotted paths and texts of the `{ "$reference": "…" }` markers in presented data. */
function referencesIn(data: JsonValue, path: string[] = []): Array<[string, string]> {
  if (Array.isArray(data)) {
    return data.flatMap((item, index) => referencesIn(item, [...path, String(index)]));
  }
  if (typeof data !== "object" || data === null) return [];
  if (isSecretReferenceMarker(data)) return [[path.join("."), data.$reference]];
  return Object.keys(data).flatMap((key) =>
    referencesIn((data as JsonObject)[key]!, [...path, key]),
  );
}

/**
 * Resolves every secret reference in `data`, as `reveal()` would: an environment variable of this
 * process, a `secret/<name>` block, or a secret-source block (its type's integration is imported
 * first, so `aws-secret/<name>` works in a fresh process). A reference that does not resolve fails
 * the command with `SECRET_REFERENCE_UNRESOLVED`, naming the reference.
 */
async function resolveReferences(
  store: BlockStore,
  data: JsonObject,
): Promise<ResolvedReference[]> {
  const found = referencesIn(data);
  if (found.length === 0) return [];
  const { parseSecretReference, resolveSecretReference } = await import("../../secrets/index.js");
  const { loadSecretSources, resolveBlockClass } = await import("../block-classes.js");
  const parsedReferences = found.map(([, reference]) => parseSecretReference(reference));
  if (parsedReferences.some((parsed) => parsed.kind === "block")) {
    await loadSecretSources(store);
  }
  const resolved: ResolvedReference[] = [];
  for (const [index, [path, reference]] of found.entries()) {
    const parsed = parsedReferences[index]!;
    // The type a reference names directly must load: its error says what to install.
    if (parsed.kind === "block" && parsed.type !== "secret") {
      await resolveBlockClass(store, parsed.type);
    }
    resolved.push({ path, reference, value: await resolveSecretReference(reference, { store }) });
  }
  return resolved;
}

/** `tessera block inspect <slug> [--revision n] [--show-secrets]`. */
export async function inspectBlockCommand(
  context: CliContext,
  slug: string,
  options: { revision?: number; showSecrets?: boolean; keepMarkers?: boolean; json?: boolean },
): Promise<void> {
  const store = await context.store();
  const document = await requireDocument(store, slug, options.revision);
  let onSealed: Parameters<typeof presentData>[2];
  if (options.keepMarkers) {
    // What `block edit --from-file` reads as "keep the secret stored at this path".
    onSealed = async () => ({ $keep: true });
  } else if (options.showSecrets) {
    const { getSecretCipher } = await import("../../secrets/index.js");
    onSealed = revealWith(await getSecretCipher(store), document);
  }
  const data = await presentData(store, document.data, onSealed);
  const references = options.showSecrets ? await resolveReferences(store, data) : [];
  const { output } = context;
  if (options.json) {
    const json = documentJson(document, data);
    if (options.showSecrets) json.references = references as unknown as JsonValue;
    output.json(json);
    return;
  }
  const { dim, cyan } = output.colors;
  output.fields([
    ["slug", cyan(formatSlug(document.type, document.name))],
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
      rows.map(([path, value]) => {
        const resolved = references.find((reference) => reference.path === path);
        if (!resolved) return [path, value];
        const text =
          typeof resolved.value === "string" ? resolved.value : JSON.stringify(resolved.value);
        return [path, `${text} ${dim(`(from ${resolved.reference})`)}`];
      }),
    );
}
