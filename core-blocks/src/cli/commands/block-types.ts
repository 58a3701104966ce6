import type { JsonObject, JsonValue } from "../../schema/index.js";
import type { BlockTypeRecord } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { describeFields, type FieldDescription } from "../schema-fields.js";
import { requireBlockType, shortTime } from "../stored-documents.js";

function packageLabel(record: BlockTypeRecord): string {
  return record.package ? `${record.package.name}@${record.package.version}` : "(local module)";
}

function typeSummaryJson(record: BlockTypeRecord): JsonObject {
  const json: JsonObject = {
    type: record.type,
    title: record.title,
    description: record.description,
    capabilities: record.capabilities,
    schemaVersion: record.schemaVersion,
    checksum: record.checksum,
    secretFields: record.secretFields,
    package: record.package
      ? {
          name: record.package.name,
          version: record.package.version,
          coreRange: record.package.coreRange,
        }
      : null,
    registeredAt: record.registeredAt,
  };
  if (record.documentationUrl) json.documentationUrl = record.documentationUrl;
  return json;
}

function fieldJson(field: FieldDescription): JsonObject {
  const json: JsonObject = {
    path: field.path,
    type: field.type,
    required: field.required,
    secret: field.secret,
  };
  if (field.hasDefault) json.default = field.secret ? "********" : (field.default ?? null);
  if (field.description) json.description = field.description;
  if (field.choices) json.choices = field.choices;
  return json;
}

/** `tessera block type ls`. */
export async function listTypesCommand(
  context: CliContext,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const records = await store.listBlockTypes();
  const { output } = context;
  if (options.json) {
    output.json(records.map(typeSummaryJson));
    return;
  }
  if (records.length === 0) {
    output.line(
      "No block types are registered. Register some with `tessera block register -m <package>`.",
    );
    return;
  }
  output.table(
    ["TYPE", "TITLE", "SCHEMA", "PACKAGE", "CAPABILITIES"],
    records.map((record) => [
      output.colors.cyan(record.type),
      record.title,
      record.schemaVersion,
      packageLabel(record),
      record.capabilities.join(", ") || "-",
    ]),
  );
}

function showDefault(field: FieldDescription): string {
  if (!field.hasDefault) return "";
  if (field.secret) return "********";
  return JSON.stringify(field.default as JsonValue);
}

/** `tessera block type inspect <type>`. */
export async function inspectTypeCommand(
  context: CliContext,
  type: string,
  options: { json?: boolean },
): Promise<void> {
  const store = await context.store();
  const record = await requireBlockType(store, type);
  const fields = describeFields(record.jsonSchema, record.secretFields);
  const { output } = context;
  if (options.json) {
    output.json({
      ...typeSummaryJson(record),
      fields: fields.map(fieldJson),
      jsonSchema: record.jsonSchema,
    });
    return;
  }
  const pairs: Array<[string, string]> = [
    ["type", output.colors.cyan(record.type)],
    ["title", record.title],
  ];
  if (record.description) pairs.push(["description", record.description]);
  if (record.documentationUrl) pairs.push(["documentation", record.documentationUrl]);
  pairs.push(
    ["capabilities", record.capabilities.join(", ") || "-"],
    ["schema version", record.schemaVersion],
    ["checksum", record.checksum],
    ["package", packageLabel(record)],
  );
  if (record.package) pairs.push(["core range", record.package.coreRange]);
  pairs.push(
    ["secret fields", record.secretFields.join(", ") || "-"],
    ["registered", shortTime(record.registeredAt)],
  );
  output.fields(pairs);
  output.line();
  if (fields.length === 0) {
    output.line("This type has no fields.");
    return;
  }
  output.table(
    ["FIELD", "TYPE", "REQUIRED", "DEFAULT", "SECRET"],
    fields.map((field) => [
      field.path,
      field.type,
      field.required ? "yes" : "no",
      showDefault(field),
      field.secret ? output.colors.yellow("secret") : "",
    ]),
  );
}
