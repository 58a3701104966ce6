import {
  BlockExistsError,
  InvalidInputError,
  RevisionConflictError,
  TesseraError,
} from "../../errors/index.js";
import type { BlockStore } from "../../store/index.js";
import { type CliBlock, resolveBlockClass } from "../block-classes.js";
import type { CliContext } from "../context.js";
import { applyValueOptions, readValuesFile } from "../field-input.js";
import type { WriteValueOptions } from "../program.js";
import { type FieldValues, parseSetExpression, setAtPath } from "../set-expression.js";
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

/** `tessera block create <type> <name>`: values from a file, options and prompts, then a create-only save. */
export async function createBlockCommand(
  context: CliContext,
  type: string,
  name: string,
  options: Partial<WriteValueOptions> & {
    fromFile?: string;
    input?: boolean;
    overwrite?: boolean;
    json?: boolean;
  },
): Promise<void> {
  const slug = `${type}/${name}`;
  await parseSlug(slug);
  const store = await context.store();
  const BlockClass = await resolveBlockClass(store, type);
  const values: FieldValues = options.fromFile
    ? await readValuesFile(context, options.fromFile)
    : {};
  applyValueOptions(context, values, options, BlockClass);
  await applyLinks(store, values, options.link ?? []);
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
  const block = new BlockClass(values);
  if (options.overwrite) {
    // A save over an existing name: still compare-and-swap on the revision read just now.
    const existing = await store.get({ type, name });
    await block.save(name, { store, expectedRevision: existing?.revision ?? 0 });
  } else {
    try {
      await block.save(name, { store, expectedRevision: 0 });
    } catch (error) {
      if (!RevisionConflictError.isInstance(error) && !BlockExistsError.isInstance(error))
        throw error;
      throw new TesseraError(
        BlockExistsError.code,
        `A block is already saved as "${slug}". Change it with \`tessera block edit ${slug} --set …\`, replace it with \`tessera block create ${type} ${name} --overwrite …\`, or choose another name.`,
      );
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
    (value as Record<symbol, unknown>)[Symbol.for("tessera.block")] === true
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
      throw new InvalidInputError(
        here.join("."),
        `Field ${here.join(".")} is the saved block ${current.slug}, shared by reference: edit it with \`tessera block edit ${current.slug}\`.`,
      );
    }
    applyChanges(current as Record<string, unknown>, value as FieldValues, here);
  }
}

/** `tessera block edit <slug> --set …`: load, apply, save with compare-and-swap on the loaded revision. */
export async function editBlockCommand(
  context: CliContext,
  slug: string,
  options: Partial<WriteValueOptions> & { json?: boolean },
): Promise<void> {
  const { type, name } = await parseSlug(slug);
  const store = await context.store();
  const BlockClass = await resolveBlockClass(store, type);
  const changes: FieldValues = {};
  const paths = [
    ...applyValueOptions(context, changes, options, BlockClass),
    ...(await applyLinks(store, changes, options.link ?? [])),
  ];
  if (paths.length === 0) {
    throw new InvalidInputError(
      "block edit",
      `Nothing to change in ${slug}: give --set <field>=<value>, --secret-from-env <field>=<VARIABLE>, --secret-ref <field>=<reference> or --link <field>=<type>/<name>.`,
    );
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
    `Saved ${context.output.colors.cyan(slug)} as revision ${block.revision} (was ${loadedRevision}); changed ${paths.join(", ")}.`,
  );
}
