/**
 * Blocks as values: the routes a form or a script uses to read and write a block's fields as plain
 * JSON, validated by the block's class and encrypted by the server with its own key source (the
 * same one the CLI uses: `TESSERA_ENCRYPTION_KEY`, else the key file of the server's
 * `TESSERA_HOME`). The raw document routes (`/v1/documents`) carry ciphertext for clients that
 * hold a master key; these carry values and never ciphertext.
 *
 * Shapes (stable):
 * - A block value: `{ slug, type, name, id, revision, updatedAt, actor?, data }`, with the
 *   revision as `ETag`. In `data`, a stored secret is `{ "$secret": "set" }` (an unset optional
 *   secret is absent), a secret that references another source stays
 *   `{ "$reference": "secret/db" }`, a saved nested block is `{ "$ref": "<type>/<name>" }` and a
 *   link to a block deleted with force is `{ "$missing": "<id>" }`. No part of a secret's value
 *   and no ciphertext is ever in it.
 * - `GET /v1/blocks/:type/:name[?revision=N][&reveal=true]`: the newest (or the given) revision.
 *   `reveal=true` needs a `reveal` or `admin` token and answers secrets as their values, with
 *   `Cache-Control: no-store`.
 * - `PUT /v1/blocks/:type/:name` with `{ "data": { … } }` and `If-Match: "<revision>"` (or
 *   `If-None-Match: *` to create only): the fields are validated by the block's class; a secret
 *   given as a string (or JSON, for JSON secrets) is its new value, `{ "$keep": true }` keeps the
 *   stored one, `{ "$reference": … }` references another source, and `{ "$ref": "<type>/<name>" }`
 *   links a saved block. The mask `"********"` or `{ "$secret": "set" }` in a secret field is
 *   refused with 400 `MASKED_SECRET` naming the paths, never taken as "keep". Answers the saved
 *   block value (201 when created). A stale `If-Match` is 409 `REVISION_CONFLICT` with
 *   `expectedRevision` and `actualRevision`.
 * - `POST /v1/blocks/:type/:name/validate` with the same body: nothing is saved; answers
 *   `{ ok, problems: [{ path, message }] }`, the problems a save would refuse.
 * - Invalid fields are 400 `VALIDATION_FAILED` with `problems: [{ path, message }]` (dotted
 *   paths, never the values); an unknown block type is 404 `UNKNOWN_BLOCK_TYPE` saying what to
 *   install where the server runs.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { formatSlug } from "../block/slug.js";
import { type CliBlockClass, resolveBlockClass } from "../cli/block-classes.js";
import { isSecretPath } from "../cli/set-expression.js";
import { checkSlugPart, parseSlug, presentData, revealWith } from "../cli/stored-documents.js";
import {
  BlockNotFoundError,
  InvalidInputError,
  MaskedSecretError,
  TesseraError,
  ValidationFailedError,
  type ValidationProblem,
} from "../errors/index.js";
import { isDocumentLink, isMissingLink } from "../protocol/index.js";
import type { JsonObject, JsonValue } from "../schema/index.js";
import { getSecretCipher, isSealedSecret, SECRET_MASK } from "../secrets/index.js";
import type { BlockStore, StoredDocument } from "../store/index.js";
import { expectedRevision } from "./conditional-headers.js";

/** The path parameters of the value routes. */
const blockValueParamsSchema = z.object({
  type: z.string().min(1).describe("The block type slug, such as s3-bucket."),
  name: z.string().min(1).describe("The block's name."),
});

/** The query of `GET /v1/blocks/:type/:name`. */
const blockValueQuerySchema = z.object({
  revision: z.number().int().min(1).optional().describe("An older revision to read."),
  reveal: z
    .boolean()
    .optional()
    .describe("Answer secrets as their values (needs a reveal or admin token)."),
});

/** The body of `PUT /v1/blocks/:type/:name` and of its `/validate`. */
const blockValueInputSchema = z.object({
  data: z
    .record(z.string(), z.unknown())
    .describe(
      'The block\'s fields. Secret fields: the new value, { "$keep": true } or { "$reference": "…" }; saved nested blocks: { "$ref": "<type>/<name>" }.',
    ),
});

/** A block as these routes answer it. */
const blockValueSchema = z.object({
  slug: z.string(),
  type: z.string(),
  name: z.string(),
  id: z.string(),
  revision: z.number().int(),
  updatedAt: z.string(),
  actor: z
    .string()
    .optional()
    .describe("Who wrote this revision: token:<token name>, or user:<name> for a local write."),
  data: z.record(z.string(), z.unknown()),
});

/** What `/validate` answers. */
const blockValidationSchema = z.object({
  ok: z.boolean(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
});

type BlockValue = z.infer<typeof blockValueSchema>;

/** A zod schema as the JSON Schema (draft 7) that Fastify validates requests and writes answers with. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: "draft-7", io });
  return json;
}

/** How a stored secret shows without `reveal`: that it is set, nothing of its value. */
const SECRET_SET = Object.freeze({ $secret: "set" });

/** The block value of a stored revision, secrets masked or revealed. */
async function blockValueOf(
  store: BlockStore,
  document: StoredDocument,
  reveal: boolean,
): Promise<BlockValue> {
  const onSealed = reveal
    ? revealWith(await getSecretCipher(store), document)
    : async () => ({ ...SECRET_SET });
  const data = await presentData(store, document.data, onSealed);
  return {
    slug: formatSlug(document.type, document.name),
    type: document.type,
    name: document.name,
    id: document.id,
    revision: document.revision,
    updatedAt: document.updatedAt,
    ...(document.actor === undefined ? {} : { actor: document.actor }),
    data,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** True for `{ "$secret": … }`, how these routes show a stored secret. */
function isSecretPlaceholder(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && "$secret" in value;
}

/** A block's fields read from a request, ready to validate or save. */
interface BlockInput {
  /** The block, when its fields are valid. */
  block?: InstanceType<CliBlockClass>;
  /** Dotted paths of secret fields that hold the mask or `{ "$secret": "set" }`. */
  masked: string[];
  /** Every other problem, by field path. */
  problems: ValidationProblem[];
}

/**
 * Reads `data` for a block of `BlockClass`: refuses masks in secret fields, loads the saved blocks
 * `{ "$ref": "<type>/<name>" }` links to, and builds the block (validated by its schema).
 */
async function readBlockInput(
  store: BlockStore,
  BlockClass: CliBlockClass,
  data: Record<string, unknown>,
): Promise<BlockInput> {
  const masked: string[] = [];
  const problems: ValidationProblem[] = [];
  const walk = async (value: unknown, path: string[]): Promise<unknown> => {
    const secretField = isSecretPath(path, BlockClass.secretFields);
    if (secretField && (value === SECRET_MASK || isSecretPlaceholder(value))) {
      masked.push(path.join("."));
      return undefined;
    }
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (let index = 0; index < value.length; index++) {
        items.push(await walk(value[index], [...path, String(index)]));
      }
      return items;
    }
    if (!isPlainObject(value) || secretField) return value;
    if (isMissingLink(value)) {
      problems.push({
        path: path.join("."),
        message:
          'links to a block that was deleted; link a saved block with { "$ref": "<type>/<name>" } or give its fields',
      });
      return undefined;
    }
    if (isDocumentLink(value)) return linkedBlock(value.$ref, path);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(copy, key, {
        value: await walk(item, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };
  const linkedBlock = async (target: string, path: string[]): Promise<unknown> => {
    try {
      const { type, name } = await parseSlug(target);
      const ChildClass = await resolveBlockClass(store, type);
      return await ChildClass.load(name, { store });
    } catch (error) {
      if (!TesseraError.isInstance(error)) throw error;
      const reason = BlockNotFoundError.isInstance(error)
        ? `links to "${target}", which is not saved`
        : `links to "${target}", which cannot be loaded (${error.code})`;
      problems.push({ path: path.join("."), message: reason });
      return undefined;
    }
  };
  const values = (await walk(data, [])) as Record<string, unknown>;
  if (masked.length > 0 || problems.length > 0) {
    // Still validate the other fields, so a form shows every problem at once.
    const reported = [...masked, ...problems.map((problem) => problem.path)];
    const elsewhere = (problem: ValidationProblem) =>
      !reported.some((path) => problem.path === path || problem.path.startsWith(`${path}.`));
    problems.push(...(await constructionProblems(BlockClass, values)).filter(elsewhere));
    return { masked, problems };
  }
  try {
    return { block: new BlockClass(values), masked, problems };
  } catch (error) {
    if (!ValidationFailedError.isInstance(error)) throw error;
    return { masked, problems: [...error.problems] };
  }
}

/** The problems constructing a block from `values` meets. */
async function constructionProblems(
  BlockClass: CliBlockClass,
  values: Record<string, unknown>,
): Promise<ValidationProblem[]> {
  try {
    new BlockClass(values);
    return [];
  } catch (error) {
    if (!ValidationFailedError.isInstance(error)) throw error;
    return [...error.problems];
  }
}

/** Paths of `{ "$keep": true }` in `data`. */
function keepPaths(value: unknown, path: string[] = [], found: string[][] = []): string[][] {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      keepPaths(value[index], [...path, String(index)], found);
    }
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$keep") found.push(path);
    else for (const [key, item] of Object.entries(value)) keepPaths(item, [...path, key], found);
  }
  return found;
}

function storedAt(data: JsonObject | undefined, path: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) ? node[Number(segment)] : node[segment];
  }
  return node;
}

/** The problems of keep markers where the newest revision holds no secret to keep. */
function keepProblems(data: unknown, current: StoredDocument | undefined): ValidationProblem[] {
  return keepPaths(data)
    .filter((path) => {
      const stored = storedAt(current?.data, path);
      return !isSealedSecret(stored) && !(isPlainObject(stored) && "$reference" in stored);
    })
    .map((path) => ({
      path: path.join("."),
      message: current
        ? "asks to keep the stored secret, but the newest revision has no secret here; give the value"
        : "asks to keep the stored secret, but nothing is saved under this name yet; give the value",
    }));
}

/** The message a refused mask carries: the API has no "the mask is my secret" option. */
function maskedSecretError(slug: string, paths: string[]): MaskedSecretError {
  return new MaskedSecretError({
    subject: `The fields for "${slug}"`,
    paths,
    literalHint: "",
    advice:
      'A mask is never taken as "keep": write { "$keep": true } there to keep the stored secret, or give the new value.',
  });
}

/** `BLOCK_NOT_FOUND`, or `UNKNOWN_BLOCK_TYPE` with what to install when the type is unknown. */
async function notFound(
  store: BlockStore,
  type: string,
  name: string,
  revision: number | undefined,
): Promise<TesseraError> {
  await resolveBlockClass(store, type);
  return new BlockNotFoundError({
    slug: formatSlug(type, name),
    ...(revision === undefined ? {} : { revision }),
    advice:
      revision === undefined
        ? "List the saved blocks of this type with GET /v1/documents?type=<type>, or create it with PUT and If-None-Match: *."
        : "See the kept revisions with GET /v1/documents/<type>/<name>/history.",
  });
}

/**
 * Registers the value routes (see the module doc) on `app`, answering from `store`. A save writes
 * through `writer(request)`: the store as that request writes to it, recording its token as the
 * revision's actor.
 */
export function registerBlockValueRoutes(
  app: FastifyInstance,
  store: BlockStore,
  writer: (request: FastifyRequest) => BlockStore,
): void {
  type Params = z.infer<typeof blockValueParamsSchema>;
  type Query = z.infer<typeof blockValueQuerySchema>;
  type Body = z.infer<typeof blockValueInputSchema>;
  const params = jsonSchema(blockValueParamsSchema, "input");
  const body = jsonSchema(blockValueInputSchema, "input");
  const value = jsonSchema(blockValueSchema, "output");

  app.get<{ Params: Params; Querystring: Query }>(
    "/v1/blocks/:type/:name",
    {
      schema: {
        params,
        querystring: jsonSchema(blockValueQuerySchema, "input"),
        response: { 200: value },
      },
    },
    async (request, reply) => {
      const type = await checkSlugPart(request.params.type, "type slug");
      const name = await checkSlugPart(request.params.name, "name");
      const { revision, reveal = false } = request.query;
      const document = await store.get({ type, name }, revision === undefined ? {} : { revision });
      if (!document) throw await notFound(store, type, name, revision);
      const value = await blockValueOf(store, document, reveal);
      reply.header("etag", `"${document.revision}"`);
      if (reveal) reply.header("cache-control", "no-store");
      return value;
    },
  );

  app.put<{ Params: Params; Body: Body }>(
    "/v1/blocks/:type/:name",
    { schema: { params, body, response: { 200: value, 201: value } } },
    async (request, reply) => {
      const type = await checkSlugPart(request.params.type, "type slug");
      const name = await checkSlugPart(request.params.name, "name");
      const slug = formatSlug(type, name);
      const expected = expectedRevision(request);
      if (expected === undefined) {
        throw new InvalidInputError({
          subject: "If-Match",
          message: `A write to "${slug}" needs If-Match: "<revision>" (the ETag it was read at) or If-None-Match: * to create it only, so it never overwrites a change it has not seen.`,
        });
      }
      const BlockClass = await resolveBlockClass(store, type);
      const input = await readBlockInput(store, BlockClass, request.body.data);
      if (input.masked.length > 0) throw maskedSecretError(slug, input.masked);
      if (!input.block)
        throw new ValidationFailedError({ subject: slug, problems: input.problems });
      const saved = await input.block.save(name, {
        store: writer(request),
        expectedRevision: expected,
      });
      const stored = await store.get({ type, name }, { revision: saved.revision! });
      if (!stored) throw await notFound(store, type, name, saved.revision);
      return reply
        .code(stored.revision === 1 ? 201 : 200)
        .header("etag", `"${stored.revision}"`)
        .send(await blockValueOf(store, stored, false));
    },
  );

  app.post<{ Params: Params; Body: Body }>(
    "/v1/blocks/:type/:name/validate",
    { schema: { params, body, response: { 200: jsonSchema(blockValidationSchema, "output") } } },
    async (request) => {
      const type = await checkSlugPart(request.params.type, "type slug");
      const name = await checkSlugPart(request.params.name, "name");
      const BlockClass = await resolveBlockClass(store, type);
      const input = await readBlockInput(store, BlockClass, request.body.data);
      const problems: ValidationProblem[] = [
        ...input.masked.map((path) => ({
          path,
          message:
            'holds the mask, which is never taken as "keep": write { "$keep": true } to keep the stored secret, or give the new value',
        })),
        ...input.problems,
        ...keepProblems(request.body.data, await store.get({ type, name })),
      ];
      return { ok: problems.length === 0, problems };
    },
  );
}
