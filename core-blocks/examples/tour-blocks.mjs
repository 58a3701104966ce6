// Two block types for the tour: credentials with a secret, and a warehouse that nests them.
import { defineBlock, registerBlockType, secret, z } from "@tessera/core";

export class WarehouseCredentials extends defineBlock({
  type: "tour-warehouse-credentials",
  title: "Warehouse credentials",
  description: "A user name and password for the tour's warehouse.",
  schema: z.object({
    user: z.string(),
    password: secret(),
  }),
}) {
  describe() {
    return `user ${this.user}`;
  }
}

export class Warehouse extends defineBlock({
  type: "tour-warehouse",
  title: "Warehouse",
  description: "Where the tour's pipeline writes its tables.",
  capabilities: ["query"],
  schema: z.object({
    host: z.string(),
    database: z.string(),
    schemaName: z.string().default("public"),
    credentials: WarehouseCredentials.field(),
  }),
}) {
  connectionString() {
    return `warehouse://${this.credentials.user}@${this.host}/${this.database}?schema=${this.schemaName}`;
  }
}

// Register the subclasses (with their methods) so `loadBlock("tour-warehouse/…")` builds them.
registerBlockType(WarehouseCredentials);
registerBlockType(Warehouse);
