import type { JsonValue } from "../schema/index.js";
import type { NotifyMessage } from "./notifier.js";

/** The placeholders a webhook body template may use inside strings. */
const TEXT_PLACEHOLDERS = ["subject", "body", "text"] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;
const WHOLE_BLOCKS = /^\{\{\s*blocks\s*\}\}$/;

/** The default body: `{ "text": "<subject>\n<body>" }`, which Slack, Teams, Mattermost and Google Chat accept. */
export const DEFAULT_WEBHOOK_BODY_TEMPLATE: JsonValue = { text: "{{ text }}" };

/** Placeholders in `template` that are not `subject`, `body`, `text` or a whole-string `blocks`. */
export function unknownPlaceholders(template: JsonValue): string[] {
  const unknown = new Set<string>();
  const visit = (value: JsonValue) => {
    if (typeof value === "string") {
      if (WHOLE_BLOCKS.test(value)) return;
      for (const match of value.matchAll(PLACEHOLDER)) {
        const name = match[1] as string;
        if (!(TEXT_PLACEHOLDERS as readonly string[]).includes(name)) unknown.add(name);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(template);
  return [...unknown];
}

/**
 * The JSON body for `message`: every string of the template with `{{ subject }}`, `{{ body }}`
 * and `{{ text }}` (subject, a line break, body) replaced, and a string that is exactly
 * `{{ blocks }}` replaced by the message's provider blocks (an array, empty when none). Values are
 * inserted into parsed JSON strings, so quotes and line breaks in a message cannot break the body.
 */
export function renderWebhookBody(template: JsonValue, message: NotifyMessage): JsonValue {
  const subject = message.subject ?? "";
  const values: Record<string, string> = {
    subject,
    body: message.body,
    text: subject === "" ? message.body : `${subject}\n${message.body}`,
  };
  const render = (value: JsonValue): JsonValue => {
    if (typeof value === "string") {
      if (WHOLE_BLOCKS.test(value)) return [...(message.blocks ?? [])];
      return value.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
    }
    if (Array.isArray(value)) return value.map(render);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item)]));
    }
    return value;
  };
  return render(template);
}
