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
  options: ResultStoreCliOptions,
  compression?: Compression,
): Promise<ResultStore> {
  const { ResultStore } = await import("../../results/index.js");
  return new ResultStore({
    serializer: "binary",
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(compression ? { compression } : {}),
  });
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
  const store = await openStore(options, options.compression);
  const source: Readable = file === "-" ? context.stdin : createReadStream(file);
  const size = file === "-" ? undefined : (await stat(file)).size;
  const bar = await progressBar("put", size, !options.json);
  let metadata: Awaited<ReturnType<ResultStore["put"]>>;
  try {
    metadata = await store.put(key, source, {
      ...(size === undefined ? {} : { contentLength: size }),
      ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn * 1000 }),
      ...(bar.onProgress ? { onProgress: bar.onProgress } : {}),
    });
  } finally {
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
  const store = await openStore(options);
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
  const store = await openStore(options);
  const { ResultNotFoundError } = await import("../../errors/index.js");
  const metadata = await store.info(key);
  if (!metadata) throw new ResultNotFoundError(key);
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
  const store = await openStore(options);
  const { ResultNotFoundError } = await import("../../errors/index.js");
  if (!(await store.delete(key))) throw new ResultNotFoundError(key);
  context.output.line(`Deleted the result "${key}".`);
}
