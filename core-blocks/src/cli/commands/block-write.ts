import { formatSlug } from "../../block/slug.js";
import {
  BlockExistsError,
  InvalidInputError,
  MaskedSecretError,
  RevisionConflictError,
  ValidationFailedError,
} from "../../errors/index.js";
import { blockMarkerKey, isDocumentLink, isMissingLink } from "../../protocol/index.js";
import type { JsonValue } from "../../schema/index.js";
import type { BlockStore } from "../../store/index.js";
import { type CliBlock, type CliBlockClass, resolveBlockClass } from "../block-classes.js";
import type { WriteValueOptions } from "../command-options.js";
import type { CliContext } from "../context.js";
import {
  applyValueOptions,
  type FileValues,
  maskedSecretPaths,
  readFieldsFile,
} from "../field-input.js";
import { type FieldValues, getAtPath, parseSetExpression, setAtPath } from "../set-expression.js";
import {
  documentJson,
  listAllDocuments,
  parseSlug,
  presentData,
  requireDocument,
} from "../stored-documents.js";

async function printSaved(
  context: CliContext,
  store: BlockStore,
  slug: string,
  json: boolean | undefined,
  message: string,
): Promise<void> {
  if (json) {
    const document = await requireDocument(store, slug);
    context.output.json(documentJson(document, await presentData(store, document.data)));
  } else {
    context.output.line(message);
  }
}

/**
 * Applies `--link field=type/name`: loads each saved block (importing its type's module when
 * needed) and puts the instance at the field, so the save stores a reference to it.
 */
async function applyLinks(
  store: BlockStore,
  values: FieldValues,
  links: readonly string[],
): Promise<string[]> {
  const paths: string[] = [];
  for (const expression of links) {
    const { path, text } = parseSetExpression(expression, "--link");
    const target = await parseSlug(text.trim());
    const ChildClass = await resolveBlockClass(store, target.type);
    setAtPath(values, path, await ChildClass.load(target.name, { store }));
    paths.push(path.join("."));
  }
  return paths;
}

function isPlainObject(value: unknown): value is FieldValues {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * Replaces each `{ "$ref": "<type>/<name>" }` (how inspect shows a linked block) with the loaded
 * block, so writing inspect output back keeps the link.
 */
async function loadLinkedBlocks(store: BlockStore, value: unknown): Promise<unknown> {
  if (Array.isArray(value)) {
    return Promise.all(value.map((item) => loadLinkedBlocks(store, item)));
  }
  if (!isPlainObject(value)) return value;
  if (isMissingLink(value)) {
    // How inspect shows a link to a block deleted with --force.
    throw new InvalidInputError({
      subject: "$missing",
      message: `The input links to a block that was deleted (id ${String(value.$missing)}). Replace that { "$missing": … } with { "$ref": "<type>/<name>" } of a saved block, or with the nested block's fields.`,
    });
  }
  if (isDocumentLink(value)) {
    const target = await parseSlug(value.$ref);
    const ChildClass = await resolveBlockClass(store, target.type);
    return ChildClass.load(target.name, { store });
  }
  const copy: FieldValues = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(copy, key, {
      value: await loadLinkedBlocks(store, item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * `--from-file` for a write to `slug`: the fields (bare, or the `data` of an inspect document),
 * linked blocks loaded, and the mask text in a secret field refused unless `literalSecrets`.
 */
async function readFileValues(
  context: CliContext,
  store: BlockStore,
  path: string,
  slug: string,
  BlockClass: CliBlockClass,
  literalSecrets: boolean | undefined,
): Promise<FileValues> {
  const file = await readFieldsFile(context, path, slug);
  if (!literalSecrets) {
    const masked = maskedSecretPaths(file.values, BlockClass.secretFields);
    if (masked.length > 0) {
      throw new MaskedSecretError({
        subject: path === "-" ? "Standard input" : path,
        paths: masked,
        literalHint: "--literal-secrets",
      });
    }
  }
  return {
    values: (await loadLinkedBlocks(store, file.values)) as FieldValues,
    expectedRevision: file.expectedRevision,
  };
}

/**
 * The required fields not given, each with the option that gives it (a missing nested block is
 * one entry), for an error better than the schema's "expected string, received undefined".
 */
async function missingRequired(
  BlockClass: CliBlockClass,
  values: FieldValues,
): Promise<Array<{ path: string; hint: string }>> {
  const { describeFields } = await import("../schema-fields.js");
  const missing: Array<{ path: string; hint: string }> = [];
  for (const field of describeFields(BlockClass.jsonSchema, BlockClass.secretFields)) {
    const { path } = field;
    if (!field.required || path.includes("*")) continue;
    if (missing.some((entry) => path.startsWith(`${entry.path}.`))) continue;
    if (getAtPath(values as JsonValue, path.split(".")) !== undefined) continue;
    if (field.hasChildren && field.blockType === undefined) continue;
    const hint = field.hasChildren
      ? `--link ${path}=${field.blockType}/<name>, or its fields`
      : field.secret
        ? `--secret-from-env ${path}=<VARIABLE> or --secret-ref ${path}=<reference>`
        : `--set ${path}=<value>`;
    missing.push({ path, hint });
  }
  return missing;
}

/**
 * Builds the block from `values`. Without prompts, a validation failure that comes from fields
 * not given names each with the option that gives it, beside the other problems.
 */
async function constructBlock(
  slug: string,
  BlockClass: CliBlockClass,
  values: FieldValues,
  interactive: boolean,
): Promise<CliBlock> {
  try {
    return new BlockClass(values);
  } catch (error) {
    if (interactive || !ValidationFailedError.isInstance(error)) throw error;
    const missing = await missingRequired(BlockClass, values);
    if (missing.length === 0) throw error;
    const isMissing = (path: string) =>
      missing.some((entry) => path === entry.path || path.startsWith(`${entry.path}.`));
    const given = missing.map(({ path, hint }) => `${path} (${hint})`).join("; ");
    throw new ValidationFailedError({
      subject: slug,
      problems: [
        ...error.problems.filter((problem) => !isMissing(problem.path)),
        { path: "not given", message: given },
      ],
      advice: `Give ${missing.length === 1 ? "it" : "them"} as shown or with --from-file, or run the command on a terminal to be prompted.`,
      cause: error,
    });
  }
}

/** `tessera block create <type> <name>`: values from a file, options and prompts, then a create-only save. */
export async function createBlockCommand(
  context: CliContext,
  type: string,
  name: string,
  options: Partial<WriteValueOptions> & {
    fromFile?: string;
    literalSecrets?: boolean;
    input?: boolean;
    overwrite?: boolean;
    json?: boolean;
  },
): Promise<void> {
  const slug = formatSlug(type, name);
  await parseSlug(slug);
  const store = await context.store();
  const BlockClass = await resolveBlockClass(store, type);
  const file: FileValues = options.fromFile
    ? await readFileValues(
        context,
        store,
        options.fromFile,
        slug,
        BlockClass,
        options.literalSecrets,
      )
    : { values: {} };
  const values = file.values;
  // `--set` and the other options apply on top of the file, never into a linked block.
  const changes: FieldValues = {};
  applyValueOptions(context, changes, options, BlockClass);
  await applyLinks(store, changes, options.link ?? []);
  applyChanges(values, changes, []);
  const interactive =
    options.input !== false && context.stdin.isTTY === true && process.stdout.isTTY === true;
  if (interactive) {
    const { promptForFields } = await import("../prompt-fields.js");
    await promptForFields(
      type,
      BlockClass.jsonSchema,
      BlockClass.secretFields,
      values,
      async (blockType) => ({
        names: (await listAllDocuments(store, blockType)).map((document) => document.name),
        load: async (blockName) =>
          (await resolveBlockClass(store, blockType)).load(blockName, { store }),
      }),
    );
  }
  const block = await constructBlock(slug, BlockClass, values, interactive);
  if (options.overwrite) {
    // A save over an existing name: still compare-and-swap on the revision read just now.
    // An inspect document of this block carries the revision it was read at: expect that one.
    const expectedRevision =
      file.expectedRevision ?? (await store.get({ type, name }))?.revision ?? 0;
    await saveExpecting(
      block,
      name,
      store,
      expectedRevision,
      file.expectedRevision === undefined ? undefined : options.fromFile,
    );
  } else {
    try {
      await block.save(name, { store, expectedRevision: 0 });
    } catch (error) {
      if (!RevisionConflictError.isInstance(error) && !BlockExistsError.isInstance(error))
        throw error;
      throw new BlockExistsError({
        slug,
        advice: `Change it with \`tessera block edit ${slug} --set …\`, replace it with \`tessera block create ${type} ${name} --overwrite …\`, or choose another name.`,
      });
    }
  }
  await printSaved(
    context,
    store,
    slug,
    options.json,
    `Saved ${context.output.colors.cyan(slug)} (revision ${block.revision}).`,
  );
}

function isBlockInstance(value: unknown): value is CliBlock {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[blockMarkerKey] === true
  );
}

/**
 * Copies `changes` onto a loaded block, field by field. Walking into a nested block that is saved
 * on its own is refused: its fields belong to that document, edited by its own slug.
 */
function applyChanges(target: Record<string, unknown>, changes: FieldValues, path: string[]): void {
  for (const [key, value] of Object.entries(changes)) {
    const here = [...path, key];
    const current = target[key];
    const isPlainChange =
      typeof value !== "object" ||
      value === null ||
      Array.isArray(value) ||
      Object.getPrototypeOf(value) !== Object.prototype ||
      "$reference" in value;
    if (isPlainChange || current === undefined || current === null || typeof current !== "object") {
      target[key] = value;
      continue;
    }
    if (isBlockInstance(current) && current.slug !== undefined) {
      throw new InvalidInputError({
        subject: here.join("."),
        message: `Field ${here.join(".")} is the saved block ${current.slug}, shared by reference: edit it with \`tessera block edit ${current.slug}\`.`,
      });
    }
    applyChanges(current as Record<string, unknown>, value as FieldValues, here);
  }
}

/**
 * Saves `block` expecting `expectedRevision`. When that revision came from a file, a conflict
 * says how to redo the edit from the newest revision.
 */
async function saveExpecting(
  block: CliBlock,
  name: string,
  store: BlockStore,
  expectedRevision: number,
  file: string | undefined,
): Promise<void> {
  try {
    await block.save(name, { store, expectedRevision });
  } catch (error) {
    if (file === undefined || !RevisionConflictError.isInstance(error)) throw error;
    throw new RevisionConflictError({
      slug: error.slug,
      expectedRevision,
      actualRevision: error.actualRevision,
      file: file === "-" ? "standard input" : file,
      advice: `Run \`tessera block inspect ${error.slug} --json\` again, re-apply your change and write it back.`,
      cause: error,
    });
  }
}

/**
 * `tessera block edit <slug>`: load, apply, save with compare-and-swap on the loaded revision.
 * With `--from-file`, the file's fields replace the block's (the options apply on top), and the
 * revision of an inspect document is the one expected.
 */
export async function editBlockCommand(
  context: CliContext,
  slug: string,
  options: Partial<WriteValueOptions> & {
    fromFile?: string;
    literalSecrets?: boolean;
    json?: boolean;
  },
): Promise<void> {
  const { type, name } = await parseSlug(slug);
  const store = await context.store();
  const BlockClass = await resolveBlockClass(store, type);
  const changes: FieldValues = {};
  const paths = [
    ...applyValueOptions(context, changes, options, BlockClass),
    ...(await applyLinks(store, changes, options.link ?? [])),
  ];
  const { colors } = context.output;
  if (options.fromFile !== undefined) {
    const current = await requireDocument(store, slug);
    const file = await readFileValues(
      context,
      store,
      options.fromFile,
      slug,
      BlockClass,
      options.literalSecrets,
    );
    applyChanges(file.values, changes, []);
    const block = new BlockClass(file.values);
    const expectedRevision = file.expectedRevision ?? current.revision;
    await saveExpecting(
      block,
      name,
      store,
      expectedRevision,
      file.expectedRevision === undefined ? undefined : options.fromFile,
    );
    await printSaved(
      context,
      store,
      slug,
      options.json,
      `Saved ${colors.cyan(slug)} as revision ${block.revision} (was ${expectedRevision}) from ${options.fromFile === "-" ? "standard input" : options.fromFile}.`,
    );
    return;
  }
  if (paths.length === 0) {
    throw new InvalidInputError({
      subject: "block edit",
      message: `Nothing to change in ${slug}: give --set <field>=<value>, --secret-from-env <field>=<VARIABLE>, --secret-ref <field>=<reference>, --link <field>=<type>/<name> or --from-file <path>.`,
    });
  }
  const block = await BlockClass.load(name, { store });
  const loadedRevision = block.revision!;
  applyChanges(block as unknown as Record<string, unknown>, changes, []);
  await block.save(name, { store, expectedRevision: loadedRevision });
  await printSaved(
    context,
    store,
    slug,
    options.json,
    `Saved ${colors.cyan(slug)} as revision ${block.revision} (was ${loadedRevision}); changed ${paths.join(", ")}.`,
  );
}
