import type { CliContext } from "../context.js";

/** `tessera key status`: key ids (never keys), their source, and what each one protects. */
export async function keyStatusCommand(
  context: CliContext,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const { keyStatus } = await import("../../secrets/index.js");
  const status = await keyStatus({ store });
  const { output } = context;
  const source =
    status.source === undefined
      ? "none yet (a key file is created on the first secret saved)"
      : status.source.kind === "environment"
        ? `environment variable ${status.source.variable}`
        : `key file ${status.source.path}`;
  if (options.json) {
    output.json({
      source: status.source ?? null,
      keyFilePath: status.keyFilePath,
      currentKeyId: status.currentKeyId ?? null,
      keys: status.keys,
      retiredKeyIds: status.retiredKeyIds,
      documentsToRotate: status.documentsToRotate,
    });
    return;
  }
  const { green, red, yellow } = output.colors;
  output.fields([
    ["source", source],
    ["current key", status.currentKeyId ?? "-"],
    ["to rotate", String(status.documentsToRotate)],
  ]);
  if (status.keys.length > 0) {
    output.line();
    output.table(
      ["KEY ID", "STATE", "DOCUMENTS"],
      status.keys.map((key) => [
        key.id,
        key.current ? green("current") : key.available ? "older" : red("missing"),
        String(key.documents),
      ]),
    );
  }
  if (status.retiredKeyIds.length > 0) {
    output.line();
    output.line(`Retired keys (no document needs them): ${status.retiredKeyIds.join(", ")}.`);
  }
  if (status.keys.some((key) => !key.available)) {
    output.line();
    output.line(
      yellow(
        "Some documents need a key this process does not have: add it (after the current key) to TESSERA_ENCRYPTION_KEY or the key file.",
      ),
    );
  } else if (status.documentsToRotate > 0) {
    output.line();
    output.line(
      `Run \`tessera key rotate\` to re-wrap ${status.documentsToRotate} document(s) under the current key.`,
    );
  }
}

/** `tessera key rotate [--new-key] [--retire-old-keys]`. */
export async function keyRotateCommand(
  context: CliContext,
  options: { json?: boolean; newKey?: boolean; retireOldKeys?: boolean },
): Promise<void> {
  const store = await context.store();
  const { rotateKeys } = await import("../../secrets/index.js");
  const { output } = context;
  const result = await rotateKeys({
    store,
    newKey: options.newKey === true,
    retireOldKeys: options.retireOldKeys === true,
    onProgress: options.json
      ? undefined
      : (progress) => {
          if (progress.rewrapped > 0) output.note(`re-wrapped ${progress.rewrapped} data key(s)…`);
        },
  });
  if (options.json) {
    output.json(result);
  } else {
    output.line(
      result.skipped === 0
        ? `Every data key is now wrapped by ${result.masterKeyId} (${result.rewrapped} re-wrapped).`
        : `${result.rewrapped} data key(s) re-wrapped by ${result.masterKeyId}; ${result.skipped} document(s) changed while rotating and keep their older key: run \`tessera key rotate\` again to finish.`,
    );
    if (result.retired.length > 0) output.line(`Retired keys: ${result.retired.join(", ")}.`);
  }
  if (result.unavailable.length > 0) {
    const keys = [...new Set(result.unavailable.map((entry) => entry.masterKeyId))];
    const { DecryptionFailedError } = await import("../../errors/index.js");
    throw new DecryptionFailedError({
      reason: "key-unavailable",
      keyId: keys[0]!,
      message: `${result.unavailable.length} document(s) are still wrapped by master key ${keys.join(", ")}, which this process does not have. Add the key after the current one (TESSERA_ENCRYPTION_KEY="<new>,<old>" or the key file) and run \`tessera key rotate\` again.`,
    });
  }
}
