import { type ApiTokenScope, createApiToken } from "../../server/index.js";
import type { CliContext } from "../context.js";

/** `tessera token create`: prints the new token once, on standard output. */
export async function tokenCreateCommand(
  context: CliContext,
  options: { name: string; scope: string; json?: boolean },
): Promise<void> {
  const store = await context.store();
  const { token, record } = await createApiToken(store, {
    name: options.name,
    scope: options.scope as ApiTokenScope,
  });
  if (options.json) {
    context.output.json({ token, ...record });
  } else {
    context.output.line(token);
  }
  context.output.note(
    `Made a ${record.scope} token for "${record.name}". It is shown only now: the store keeps its hash. Give it to the client as TESSERA_API_KEY.`,
  );
}
