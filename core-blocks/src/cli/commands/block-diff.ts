import { createHash } from "node:crypto";
import type { JsonValue } from "../../schema/index.js";
import type { CliContext } from "../context.js";
import { isSecretPath } from "../set-expression.js";
import { presentData, requireDocument, revealWith } from "../stored-documents.js";
import { flattenData } from "./block-inspect.js";

/** One line of a diff. Secret fields carry no values, only whether they changed. */
type DiffEntry =
  | { path: string; kind: "added"; secret: false; after: string }
  | { path: string; kind: "removed"; secret: false; before: string }
  | { path: string; kind: "changed"; secret: false; before: string; after: string }
  | { path: string; kind: "added" | "removed" | "changed" | "unchanged"; secret: true };

const secretPrefix = "\u0000secret:";

/** `tessera block diff <slug> <revA> <revB>`. */
export async function diffCommand(
  context: CliContext,
  slug: string,
  revA: number,
  revB: number,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const before = await requireDocument(store, slug, revA);
  const after = await requireDocument(store, slug, revB);
  const { getSecretCipher } = await import("../../secrets/index.js");
  const cipher = await getSecretCipher(store);
  // Secrets are decrypted in this process and reduced to a digest that is compared, never printed.
  const digestOf =
    (reveal: ReturnType<typeof revealWith>) =>
    async (path: string, sealed: { $sealed: string }, segments: readonly string[]) => {
      const plaintext = await reveal(path, sealed, segments);
      const digest = createHash("sha256")
        .update(JSON.stringify(plaintext as JsonValue))
        .digest("hex");
      return `${secretPrefix}${digest}`;
    };
  const flatBefore = new Map(
    flattenData(
      await presentData(store, before.data, digestOf(revealWith(cipher, before))),
      "",
      true,
    ),
  );
  const flatAfter = new Map(
    flattenData(
      await presentData(store, after.data, digestOf(revealWith(cipher, after))),
      "",
      true,
    ),
  );
  const secretFields = (await store.getBlockType(after.type))?.secretFields ?? [];
  const paths = [...new Set([...flatBefore.keys(), ...flatAfter.keys()])].sort();
  const entries: DiffEntry[] = [];
  for (const path of paths) {
    const old = flatBefore.get(path);
    const next = flatAfter.get(path);
    // A secret field holding a reference is a secret field too, though its text is no secret.
    const secret =
      old?.includes(secretPrefix) ||
      next?.includes(secretPrefix) ||
      isSecretPath(path.split("."), secretFields);
    if (secret) {
      const kind =
        old === undefined
          ? "added"
          : next === undefined
            ? "removed"
            : old === next
              ? "unchanged"
              : "changed";
      entries.push({ path, kind, secret: true });
    } else if (old === undefined)
      entries.push({ path, kind: "added", secret: false, after: next! });
    else if (next === undefined)
      entries.push({ path, kind: "removed", secret: false, before: old });
    else if (old !== next)
      entries.push({ path, kind: "changed", secret: false, before: old, after: next });
  }
  const { output } = context;
  if (options.json) {
    output.json({ slug, from: revA, to: revB, changes: entries });
    return;
  }
  const { green, red, yellow, dim } = output.colors;
  output.line(dim(`${slug}: revision ${revA} → ${revB}`));
  const changed = entries.filter((entry) => entry.kind !== "unchanged");
  if (changed.length === 0) output.line("No field changed.");
  for (const entry of entries) {
    if (entry.secret) {
      const text =
        entry.kind === "unchanged" ? dim("secret unchanged") : yellow(`secret ${entry.kind}`);
      output.line(`  ${entry.kind === "unchanged" ? " " : "~"} ${entry.path}: ${text}`);
    } else if (entry.kind === "added") output.line(green(`  + ${entry.path}: ${entry.after}`));
    else if (entry.kind === "removed") output.line(red(`  - ${entry.path}: ${entry.before}`));
    else output.line(`  ~ ${entry.path}: ${red(entry.before)} → ${green(entry.after)}`);
  }
}
