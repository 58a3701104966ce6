import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Compression, ResultStore, TransferProgress } from "../../results/index.js";
import type { CliContext } from "../context.js";

/** Options every `tessera result` command takes. */
export interface ResultStoreCliOptions {
  /** `--storage <slug>`: a saved storage block; else the default result storage. */
  storage?: string;
  /** `--prefix <folder>` inside the storage. */
  prefix?: string;
}

async function openStore(
  context: CliContext,
  options: ResultStoreCliOptions,
  compression?: Compression,
): Promise<ResultStore> {
  const { ResultStore } = await import("../../results/index.js");
  await loadStorageType(context, options.storage ?? context.environment.TESSERA_RESULT_STORAGE);
  return new ResultStore({
    serializer: "binary",
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(compression ? { compression } : {}),
  });
}

/**
 * Makes the block type of a storage slug (`--storage` or `TESSERA_RESULT_STORAGE`) loadable in
 * this process, importing the integration package or module recorded with it as `block inspect`
 * does, so that integration storage such as `s3-bucket/<name>` loads. A type that stays unknown is
 * left to the result store, whose error says where the slug came from.
 */
async function loadStorageType(context: CliContext, slug: string | undefined): Promise<void> {
  const type = slug?.slice(0, Math.max(0, slug.indexOf("/")));
  if (!type) return;
  const { resolveBlockClass } = await import("../block-classes.js");
  const { InvalidSlugError, UnknownBlockTypeError } = await import("../../errors/index.js");
  await resolveBlockClass(await context.store(), type).catch((error: unknown) => {
    if (!UnknownBlockTypeError.isInstance(error) && !InvalidSlugError.isInstance(error)) {
      throw error;
    }
  });
}

/** The size of an input file; a file that cannot be read is `INVALID_INPUT` naming it. */
async function inputSize(file: string): Promise<number> {
  const { InvalidInputError } = await import("../../errors/index.js");
  let size: number;
  try {
    const found = await stat(file);
    if (found.isDirectory()) throw Object.assign(new Error("a folder"), { code: "EISDIR" });
    size = found.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "there is no such file"
        : code === "EISDIR"
          ? "it is a folder, not a file"
          : code === "EACCES"
            ? "this user may not read it"
            : `it cannot be read (${code ?? "unknown error"})`;
    throw new InvalidInputError({
      subject: file,
      message: `Cannot store "${file}": ${reason}. Check the path, or pass - to read standard input.`,
    });
  }
  return size;
}

/** A progress bar on standard error when it is a terminal; nothing otherwise. */
async function progressBar(
  title: string,
  totalBytes: number | undefined,
  enabled: boolean,
): Promise<{ onProgress?: (progress: TransferProgress) => void; stop(): void }> {
  if (!enabled || !process.stderr.isTTY) return { stop() {} };
  const cliProgress = await import("cli-progress");
  const megabyte = 1 << 20;
  const total = Math.max(1, Math.ceil((totalBytes ?? 0) / megabyte));
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {value}/{total} MB`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    onProgress: ({ bytes, totalBytes: known }) => {
      if (known !== undefined && known !== totalBytes)
        bar.setTotal(Math.max(1, Math.ceil(known / megabyte)));
      bar.update(Math.ceil(bytes / megabyte));
    },
    stop: () => bar.stop(),
  };
}

/** `tessera result put <key> <file>`: stores a file (or `-` for standard input) as a result. */
export async function resultPutCommand(
  context: CliContext,
  key: string,
  file: string,
  options: ResultStoreCliOptions & {
    expiresIn?: number;
    compression?: Compression;
    json?: boolean;
  },
): Promise<void> {
  const size = file === "-" ? undefined : await inputSize(file);
  const store = await openStore(context, options, options.compression);
  const source: Readable = file === "-" ? context.stdin : createReadStream(file);
  const bar = await progressBar("put", size, !options.json);
  // Ctrl-C stops the write and lets the storage remove what it wrote so far (its temporary file
  // or upload) before the command exits; a second Ctrl-C exits at once.
  const { InterruptedError } = await import("../../errors/index.js");
  const interrupt = new AbortController();
  const onInterrupt = () => {
    const reason = new InterruptedError({ what: `nothing was stored as "${key}"` });
    interrupt.abort(reason);
    source.destroy(reason);
  };
  process.once("SIGINT", onInterrupt);
  let metadata: Awaited<ReturnType<ResultStore["put"]>>;
  try {
    metadata = await store.put(key, source, {
      signal: interrupt.signal,
      ...(size === undefined ? {} : { contentLength: size }),
      ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn * 1000 }),
      ...(bar.onProgress ? { onProgress: bar.onProgress } : {}),
    });
  } catch (error) {
    throw interrupt.signal.aborted ? interrupt.signal.reason : error;
  } finally {
    process.off("SIGINT", onInterrupt);
    bar.stop();
  }
  if (options.json) {
    context.output.json(metadata);
    return;
  }
  context.output.line(
    `Stored ${metadata.contentLength} bytes as "${metadata.key}" (sha256 ${metadata.sha256.slice(0, 12)}…${metadata.expiresAt ? `, expires ${metadata.expiresAt}` : ""}).`,
  );
}

/** `tessera result get <key> [-o file]`: writes a result's bytes to a file or standard output. */
export async function resultGetCommand(
  context: CliContext,
  key: string,
  options: ResultStoreCliOptions & { output?: string },
): Promise<void> {
  const store = await openStore(context, options);
  const metadata = await store.info(key);
  const toFile = options.output !== undefined && options.output !== "-";
  const bar = await progressBar("get", metadata?.length, toFile);
  try {
    const stream = await store.getStream(key, bar.onProgress ? { onProgress: bar.onProgress } : {});
    const target: Writable = toFile ? createWriteStream(options.output!) : process.stdout;
    await pipeline(stream, target, { end: toFile });
  } finally {
    bar.stop();
  }
  if (toFile) context.output.note(`Wrote "${key}" to ${options.output}.`);
}

/** `tessera result info <key>`: the metadata record of a result. */
export async function resultInfoCommand(
  context: CliContext,
  key: string,
  options: ResultStoreCliOptions & { json?: boolean },
): Promise<void> {
  const store = await openStore(context, options);
  const { ResultNotFoundError } = await import("../../errors/index.js");
  const metadata = await store.info(key);
  if (!metadata) throw new ResultNotFoundError({ key });
  if (options.json) {
    context.output.json(metadata);
    return;
  }
  const expired = metadata.expiresAt !== null && Date.parse(metadata.expiresAt) <= Date.now();
  context.output.fields([
    ["key", metadata.key],
    ["serializer", metadata.serializer],
    ["compression", metadata.compression],
    ["created", metadata.createdAt],
    ["expires", `${metadata.expiresAt ?? "never"}${expired ? " (expired)" : ""}`],
    ["bytes", `${metadata.contentLength} (${metadata.length} stored)`],
    ["sha256", metadata.sha256],
  ]);
}

/** `tessera result delete <key>`. */
export async function resultDeleteCommand(
  context: CliContext,
  key: string,
  options: ResultStoreCliOptions,
): Promise<void> {
  const store = await openStore(context, options);
  const { ResultNotFoundError } = await import("../../errors/index.js");
  if (!(await store.delete(key))) throw new ResultNotFoundError({ key });
  context.output.line(`Deleted the result "${key}".`);
}

/** One expired result that `result prune` removed (or would remove). */
interface PrunedResult {
  key: string;
  expiresAt: string;
  bytes: number;
}

/**
 * `tessera result prune [--dry-run]`: removes expired results (record and payload) and payloads
 * that failed or interrupted writes left behind, and lists what it removed. `--dry-run` lists the
 * expired results without removing anything.
 */
export async function resultPruneCommand(
  context: CliContext,
  options: ResultStoreCliOptions & { dryRun?: boolean; json?: boolean },
): Promise<void> {
  const store = await openStore(context, options);
  const { ResultCorruptedError } = await import("../../errors/index.js");
  const now = Date.now();
  const expired: PrunedResult[] = [];
  for await (const key of store.keys()) {
    const metadata = await store.info(key).catch((error: unknown) => {
      if (ResultCorruptedError.isInstance(error)) return undefined;
      throw error;
    });
    if (metadata?.expiresAt == null || Date.parse(metadata.expiresAt) > now) continue;
    expired.push({ key, expiresAt: metadata.expiresAt, bytes: metadata.length });
  }
  const removed: PrunedResult[] = [];
  let leftovers = 0;
  if (!options.dryRun) {
    for (const result of expired) if (await store.delete(result.key)) removed.push(result);
    leftovers = await store.prune();
  }
  const listed = options.dryRun ? expired : removed;
  if (options.json) {
    context.output.json({
      dryRun: options.dryRun === true,
      expired: listed,
      ...(options.dryRun ? {} : { leftoverPayloads: leftovers }),
    });
    return;
  }
  const verb = options.dryRun ? "Would remove" : "Removed";
  for (const result of listed) {
    context.output.line(
      `${verb} "${result.key}" (expired ${result.expiresAt}, ${result.bytes} bytes).`,
    );
  }
  const count = `${listed.length} expired result${listed.length === 1 ? "" : "s"}`;
  context.output.line(
    options.dryRun
      ? `${verb} ${count}; nothing was removed (--dry-run).`
      : `${verb} ${count} and ${leftovers} payload file${leftovers === 1 ? "" : "s"} left by failed writes.`,
  );
}
