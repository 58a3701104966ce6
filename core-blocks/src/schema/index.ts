/** zod, re-exported so integrations and users build schemas with the same copy core validates with. */
export { z } from "zod";
export { canonicalJson } from "./canonical-json.js";
export type { JsonObject, JsonValue } from "./json.js";
export {
  NESTED_BLOCK_KEYWORD,
  schemaChecksum,
  secretPaths,
} from "./schema-checksum.js";
export {
  isSecretSchema,
  type SecretFieldInput,
  type SecretFieldOptions,
  secret,
  secretJsonSchema,
} from "./secret.js";
export { type NestedSchemaOf, secretDefaultPaths } from "./secret-defaults.js";
