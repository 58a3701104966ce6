export type { JsonObject, JsonValue } from "./json.js";
/** zod, re-exported so integrations and users build schemas with the same copy core validates with. */
export { z } from "zod";
