import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { JsonObject } from "../schema/index.js";
import { describeFields, schemaAtPath } from "./schema-fields.js";

const jsonSchema = z.toJSONSchema(
  z.object({
    bucketName: z.string().describe("The bucket"),
    folder: z.string().default(""),
    mode: z.enum(["fast", "safe"]),
    token: z.string().meta({ writeOnly: true, format: "password" }),
    credentials: z.object({ region: z.string().nullable(), key: z.string() }),
    headers: z.record(z.string(), z.string()),
    tags: z.array(z.string()).default([]),
  }),
  { io: "input" },
) as JsonObject;

describe("block type fields from a JSON Schema", () => {
  it("lists fields depth first with types, defaults, required flags and secrets", () => {
    const fields = describeFields(jsonSchema, ["credentials.key"]);
    const byPath = Object.fromEntries(fields.map((field) => [field.path, field]));
    expect(fields.map((field) => field.path)).toEqual([
      "bucketName",
      "folder",
      "mode",
      "token",
      "credentials",
      "credentials.region",
      "credentials.key",
      "headers",
      "headers.*",
      "tags",
    ]);
    expect(byPath.bucketName).toMatchObject({ type: "string", required: true, secret: false });
    expect(byPath.bucketName?.description).toBe("The bucket");
    expect(byPath.folder).toMatchObject({ required: false, hasDefault: true, default: "" });
    expect(byPath.mode).toMatchObject({ type: '"fast" | "safe"', choices: ["fast", "safe"] });
    expect(byPath.token).toMatchObject({ secret: true, required: true });
    expect(byPath["credentials.region"]).toMatchObject({ type: "string | null", required: false });
    expect(byPath["credentials.key"]).toMatchObject({ secret: true });
    expect(byPath.headers?.type).toBe("record<string>");
    expect(byPath.tags?.type).toBe("array<string>");
  });

  it("finds the schema of a nested field and of a record value", () => {
    expect(schemaAtPath(jsonSchema, ["credentials", "key"])).toEqual({ type: "string" });
    expect(schemaAtPath(jsonSchema, ["headers", "anything"])).toEqual({ type: "string" });
    expect(schemaAtPath(jsonSchema, ["nope"])).toBeUndefined();
  });

  it("names the block type of a nested block field", () => {
    const withNested: JsonObject = {
      type: "object",
      properties: {
        credentials: {
          type: "object",
          properties: { user: { type: "string" } },
          "x-tessera-block": { type: "db-credentials", checksum: "sha256:00" },
        },
      },
    };
    expect(describeFields(withNested)[0]).toMatchObject({
      path: "credentials",
      type: "block db-credentials",
      blockType: "db-credentials",
      hasChildren: true,
    });
  });

  it("follows local $ref definitions", () => {
    const withDefinitions: JsonObject = {
      type: "object",
      properties: { child: { $ref: "#/$defs/child" } },
      $defs: { child: { type: "object", properties: { value: { type: "number" } } } },
    };
    expect(describeFields(withDefinitions).map((field) => field.path)).toEqual([
      "child",
      "child.value",
    ]);
  });
});
