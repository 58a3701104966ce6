/**
 * Data keys for clients that hold no master key, the way a key management service serves them:
 * `POST /v1/data-keys/generate` (a `write` token) answers a fresh data key wrapped under the
 * server's current master key and in clear, `{ dataKey: { masterKeyId, wrapped }, dataKeyId,
 * plaintext }`, to seal a new document's secrets with; `POST /v1/document-ids/:id/data-key/decrypt`
 * with `{ dataKey }` (a `reveal` token; `{}` when the document came without its wrapped key)
 * answers that one document's data key in clear, `{ dataKeyId, plaintext }`. `plaintext` is the 32 key bytes in base64, `dataKeyId` the key's id
 * in hex. The server unwraps with its own key source; answers are never cached.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BlockNotFoundError } from "../errors/index.js";
import { decryptDocumentDataKey, generateDataKeyInClear } from "../secrets/index.js";
import type { BlockStore } from "../store/index.js";

const wrappedDataKeySchema = z.object({
  masterKeyId: z.string().min(1),
  wrapped: z.string().min(1),
});

const decryptBodySchema = z.object({
  dataKey: wrappedDataKeySchema
    .optional()
    .describe(
      "The document's wrapped data key, as loaded; without it, the document's own is unwrapped.",
    ),
});

const dataKeyInClearSchema = z.object({
  dataKeyId: z.string().describe("The data key's id (hex)."),
  plaintext: z.string().describe("The 32 key bytes (base64)."),
});

const generatedDataKeySchema = dataKeyInClearSchema.extend({ dataKey: wrappedDataKeySchema });

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: "draft-7" });
  return json;
}

/** Registers the data key routes (see the module doc) on `app`, answering from `store`. */
export function registerDataKeyRoutes(app: FastifyInstance, store: BlockStore): void {
  app.post(
    "/v1/data-keys/generate",
    { schema: { response: { 200: jsonSchema(generatedDataKeySchema) } } },
    async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return generateDataKeyInClear(store);
    },
  );
  app.post<{ Params: { id: string }; Body: z.infer<typeof decryptBodySchema> }>(
    "/v1/document-ids/:id/data-key/decrypt",
    {
      schema: {
        body: jsonSchema(decryptBodySchema),
        response: { 200: jsonSchema(dataKeyInClearSchema) },
      },
    },
    async (request, reply) => {
      const document = await store.get({ id: request.params.id });
      if (!document) {
        throw new BlockNotFoundError({
          slug: `id ${request.params.id}`,
          advice: "Load the document again: it was deleted.",
        });
      }
      reply.header("cache-control", "no-store");
      return decryptDocumentDataKey(store, document, request.body.dataKey);
    },
  );
}
