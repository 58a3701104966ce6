import { TemplateError } from "../errors/index.js";
import { isTesseraVariable } from "./secret-reference.js";

/** One piece of a template string. */
export type TemplatePart =
  /** Literal text, kept as is. */
  | { kind: "text"; text: string }
  /** A `{{ … }}` placeholder in a namespace Tessera resolves. */
  | { kind: "placeholder"; raw: string; target: TemplateTarget };

/** What a placeholder points at. */
export type TemplateTarget =
  /** `{{ blocks.<type>.<name> }}` or `{{ blocks.<type>.<name>.<field path> }}`. */
  | { kind: "block"; type: string; name: string; fieldPath: string[] }
  /** `{{ env.NAME }}`. */
  | { kind: "environment"; variable: string };

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SLUG_PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD_SEGMENT = /^[A-Za-z0-9_$-]+$/;

/**
 * Splits a string into literal text and placeholders. Only the `blocks.` and `env.` namespaces
 * are Tessera's: a placeholder in any other namespace (`{{ image }}`, `{{ ctx.run_id }}`) is left
 * in the text untouched, so other template languages keep working. A placeholder in Tessera's
 * namespaces that is malformed, or an `{{ env.NAME }}` that names one of Tessera's own `TESSERA_*`
 * settings, is a `TEMPLATE_UNRESOLVED` error naming it.
 *
 * Joining the parts back (text, and each placeholder's `raw`) gives the input unchanged.
 */
export function parseTemplate(text: string, location = ""): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const raw = match[0];
    const target = parseTarget(match[1]!.trim(), raw, location);
    literal += text.slice(last, match.index);
    last = match.index + raw.length;
    if (target === undefined) {
      literal += raw;
      continue;
    }
    if (literal !== "") parts.push({ kind: "text", text: literal });
    literal = "";
    parts.push({ kind: "placeholder", raw, target });
  }
  literal += text.slice(last);
  if (literal !== "") parts.push({ kind: "text", text: literal });
  return parts;
}

function parseTarget(
  expression: string,
  raw: string,
  location: string,
): TemplateTarget | undefined {
  const [namespace, ...rest] = expression.split(".");
  if (namespace === "env") {
    const variable = rest.join(".");
    if (!VARIABLE.test(variable)) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem:
          "is not a valid environment placeholder: use {{ env.NAME }} with letters, digits and underscores.",
      });
    }
    if (isTesseraVariable(variable)) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem: `names ${variable}, one of Tessera's own settings, which templates never read (they hold its keys and credentials). Use a variable of your own.`,
      });
    }
    return { kind: "environment", variable };
  }
  if (namespace === "blocks") {
    const [type, name, ...fieldPath] = rest;
    if (
      type === undefined ||
      name === undefined ||
      !SLUG_PART.test(type) ||
      !SLUG_PART.test(name)
    ) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem:
          "is not a valid block placeholder: use {{ blocks.<type>.<name> }} or {{ blocks.<type>.<name>.<field path> }} with lower-case slugs (for example {{ blocks.secret.db-password }}).",
      });
    }
    if (fieldPath.some((segment) => !FIELD_SEGMENT.test(segment))) {
      throw new TemplateError({
        placeholder: raw,
        location,
        problem:
          "has an empty or invalid field path segment: separate field names (and list indexes) with single dots.",
      });
    }
    return { kind: "block", type, name, fieldPath };
  }
  return undefined;
}
