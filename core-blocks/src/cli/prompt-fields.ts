import { formatSlug } from "../block/slug.js";
import { InvalidInputError } from "../errors/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import { SecretValue } from "../secrets/index.js";
import { describeFields, type FieldDescription } from "./schema-fields.js";
import { coerceSetValue, type FieldValues, setAtPath } from "./set-expression.js";

function isGiven(values: FieldValues, path: string[]): boolean {
  let current: unknown = values;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) {
      return false;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

function isPlainObject(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * True when a parent of the field already holds a whole value — a linked block, a secret
 * reference, an object from a file — so the field is not asked for on its own.
 */
function isCoveredByParent(values: FieldValues, path: string[]): boolean {
  let current: unknown = values;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(current) || !Object.hasOwn(current as object, key)) return false;
    current = (current as Record<string, unknown>)[key];
    if (!isPlainObject(current)) return true;
  }
  return false;
}

function label(field: FieldDescription): string {
  const notes = [field.type];
  if (!field.required)
    notes.push(field.hasDefault ? `default ${JSON.stringify(field.default)}` : "optional");
  return `${field.path} (${notes.join(", ")})${field.description ? ` — ${field.description}` : ""}`;
}

/** Saved blocks of a type that a nested block field can link to, for the prompts. */
export interface SavedBlocks {
  /** Names of the saved blocks of the type (may be empty). */
  names: string[];
  /** Loads one of them, to be stored as a reference. */
  load(name: string): Promise<unknown>;
}

/**
 * Asks on the terminal for every field not given yet, in schema order: text for strings and
 * numbers (checked as typed), a hidden prompt for secrets, a choice for enums and booleans, JSON
 * for arrays and records. A nested block field first offers the saved blocks of its type (linked
 * as a reference) or entering its fields. Optional fields can be skipped with Enter. Cancelling
 * (Ctrl+C) throws.
 */
export async function promptForFields(
  type: string,
  jsonSchema: JsonObject,
  secretFields: readonly string[],
  values: FieldValues,
  savedBlocks?: (blockType: string) => Promise<SavedBlocks>,
): Promise<void> {
  const prompts = await import("@clack/prompts");
  const fields = describeFields(jsonSchema, secretFields);
  const cancelled = () => {
    prompts.cancel("Nothing saved.");
    return new InvalidInputError({
      subject: "prompt",
      message: "The prompt was cancelled; nothing was saved.",
    });
  };
  prompts.intro(`New ${type} block`);
  for (const field of fields) {
    const path = field.path.split(".");
    if (path.includes("*")) continue;
    if (isCoveredByParent(values, path)) continue;
    if (isGiven(values, path)) continue;
    const isRecord = field.hasChildren && !(typeof field.schema.properties === "object");
    const { blockType } = field;
    if (blockType && savedBlocks) {
      const saved = await savedBlocks(blockType);
      if (saved.names.length > 0) {
        const answer = await prompts.select({
          message: `${field.path} (block ${field.blockType}): link a saved one, or enter its fields`,
          options: [
            ...saved.names.map((name) => ({
              value: name,
              label: formatSlug(blockType, name),
            })),
            { value: "\u0000inline", label: "(enter its fields here)" },
          ],
        });
        if (prompts.isCancel(answer)) throw cancelled();
        if (answer !== "\u0000inline") {
          setAtPath(values, path, await saved.load(answer));
          continue;
        }
      }
    }
    if (field.hasChildren && !isRecord) continue;
    const message = label(field);
    if (field.secret) {
      const answer = await prompts.password({
        message,
        mask: "*",
        validate: (text) => (field.required && !text ? "A value is required." : undefined),
      });
      if (prompts.isCancel(answer)) throw cancelled();
      if (answer) setAtPath(values, path, SecretValue.from(answer));
      continue;
    }
    if (
      field.choices?.every((choice) => typeof choice === "string" || typeof choice === "number")
    ) {
      const options = field.choices.map((choice) => ({
        value: choice as string,
        label: String(choice),
      }));
      const answer = await prompts.select({
        message,
        options: field.required
          ? options
          : [{ value: "\u0000skip", label: "(leave unset)" }, ...options],
        ...(field.hasDefault ? { initialValue: field.default as string } : {}),
      });
      if (prompts.isCancel(answer)) throw cancelled();
      if (answer !== "\u0000skip") setAtPath(values, path, answer as JsonValue);
      continue;
    }
    if (field.type === "boolean") {
      const answer = await prompts.confirm({
        message,
        initialValue: field.hasDefault ? field.default === true : false,
      });
      if (prompts.isCancel(answer)) throw cancelled();
      setAtPath(values, path, answer);
      continue;
    }
    let parsed: unknown;
    const answer = await prompts.text({
      message,
      placeholder: field.required ? undefined : "Enter to skip",
      validate: (text) => {
        if (!text) return field.required ? "A value is required." : undefined;
        try {
          parsed = coerceSetValue(text, field.schema, jsonSchema, field.path);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (prompts.isCancel(answer)) throw cancelled();
    if (answer)
      setAtPath(
        values,
        path,
        parsed ?? coerceSetValue(answer, field.schema, jsonSchema, field.path),
      );
  }
  prompts.outro("Saving…");
}
