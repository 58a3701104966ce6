import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { ReadableStream as WebReadableStream } from "node:stream/web";
import { setImmediate as nextTurn } from "node:timers/promises";
import { TesseraError } from "../errors/index.js";
import type { FileEntry, TransferProgress, WritableFileSystem } from "../results/index.js";
import type { ConformanceTestApi } from "./conformance-test-api.js";

/** What the factory of `describeWritableFileSystem` gives for each test. */
export interface WritableFileSystemFixture {
  /** A fresh, empty file system (its own base folder, bucket or container). */
  fileSystem: WritableFileSystem;
  /** Removes what the test left behind. @default undefined */
  cleanup?: () => Promise<void> | void;
}

/** Settings of `describeWritableFileSystem`. */
export interface DescribeWritableFileSystemOptions {
  /** Name of the `describe` block. @default "WritableFileSystem conformance" */
  name?: string;
  /**
   * The listing page size the factory configured on the file system (a small one keeps the suite
   * fast). The suite writes more than two pages of files to check that `list` pages through.
   * @default 1000
   */
  listPageSize?: number;
  /**
   * Size of the payload streamed by the large-write test, in MB. It is generated chunk by chunk
   * and never held whole, so the implementation must not buffer it either.
   * @default 128
   */
  largePayloadMegabytes?: number;
  /**
   * How much the process's resident memory may grow while the large payload is written and read
   * back, in MB.
   * @default half of `largePayloadMegabytes`
   */
  largePayloadMemoryMegabytes?: number;
  /** Timeout of each test in ms. @default 120000 */
  timeout?: number;
}

const megabyte = 1 << 20;

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

async function readStream(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function collect(entries: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const all: FileEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

async function errorOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function codeOf(error: unknown): string {
  if (TesseraError.isInstance(error)) return error.code;
  if (error === undefined) return "no error";
  return `a non-Tessera error: ${String(error)}`;
}

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** A deterministic chunk: fresh memory every time, so buffering it would show in RSS. */
function patternChunk(index: number, size: number): Buffer {
  const chunk = Buffer.allocUnsafe(size);
  chunk.fill(index % 251);
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === "AbortError" || (error as { code?: unknown }).code === "ABORT_ERR";
}

/**
 * The storage conformance suite: every `WritableFileSystem` (LocalFileSystem, S3, GCS, Azure)
 * runs it unchanged. `factory` gives a fresh, empty file system for each test.
 *
 * ```ts
 * import { describe, it, expect, beforeEach, afterEach } from "vitest";
 * import { describeWritableFileSystem } from "@tessera/core/testing";
 * describeWritableFileSystem({ describe, it, expect, beforeEach, afterEach }, async () => ({
 *   fileSystem: new LocalFileSystem({ basePath: await mkdtemp(join(tmpdir(), "fs-")) }),
 * }));
 * ```
 */
export function describeWritableFileSystem(
  api: ConformanceTestApi,
  factory: () => Promise<WritableFileSystemFixture> | WritableFileSystemFixture,
  options: DescribeWritableFileSystemOptions = {},
): void {
  const { describe, it, expect, beforeEach, afterEach } = api;
  const timeout = options.timeout ?? 120_000;
  const listPageSize = options.listPageSize ?? 1000;
  const largeMegabytes = options.largePayloadMegabytes ?? 128;
  const memoryMegabytes = options.largePayloadMemoryMegabytes ?? largeMegabytes / 2;

  let fixture: WritableFileSystemFixture | undefined;
  const fileSystem = (): WritableFileSystem => {
    if (!fixture) throw new Error("The file system factory has not run.");
    return fixture.fileSystem;
  };

  const expectCode = async (action: () => Promise<unknown>, code: string) => {
    expect(codeOf(await errorOf(action))).toBe(code);
  };

  const expectContent = async (path: string, expected: Uint8Array) => {
    const read = Buffer.from(await fileSystem().readPath(path));
    expect(read.length).toBe(expected.byteLength);
    expect(read.equals(Buffer.from(expected))).toBe(true);
    const streamed = await readStream(await fileSystem().createReadStream(path));
    expect(streamed.length).toBe(expected.byteLength);
    expect(streamed.equals(Buffer.from(expected))).toBe(true);
  };

  describe(options.name ?? "WritableFileSystem conformance", () => {
    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      await current?.cleanup?.();
    });

    describe("round trips", () => {
      const payloads: [string, () => Uint8Array][] = [
        ["an empty file", () => new Uint8Array(0)],
        ["a 1-byte file", () => Uint8Array.of(0x2a)],
        ["every byte value", () => Uint8Array.from({ length: 256 }, (_, index) => index)],
        ["a 5 MB binary file", () => randomBytes(5 * megabyte)],
      ];
      for (const [name, payload] of payloads) {
        it(
          `reads back ${name} exactly as written`,
          async () => {
            const bytes = payload();
            expect(await fileSystem().writePath("round/trip.bin", bytes)).toBe("round/trip.bin");
            await expectContent("round/trip.bin", bytes);
            const [entry] = await collect(fileSystem().list("round/"));
            expect(entry?.path).toBe("round/trip.bin");
            expect(entry?.size).toBe(bytes.byteLength);
          },
          timeout,
        );
      }
    });

    describe("content kinds", () => {
      const text = "résumé ✓ 🧱\n";
      const kinds: [string, () => Parameters<WritableFileSystem["writePath"]>[1]][] = [
        ["a Uint8Array", () => bytesOf(text)],
        ["a string (as UTF-8)", () => text],
        ["a Node Readable", () => Readable.from([Buffer.from("résumé "), Buffer.from("✓ 🧱\n")])],
        [
          "a web ReadableStream",
          () =>
            new WebReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(bytesOf("résumé ✓"));
                controller.enqueue(bytesOf(" 🧱\n"));
                controller.close();
              },
            }),
        ],
        [
          "an async iterable of strings and bytes",
          () =>
            (async function* () {
              yield "résumé ";
              await nextTurn();
              yield bytesOf("✓ 🧱\n");
            })(),
        ],
      ];
      for (const [name, content] of kinds) {
        it(
          `writes ${name}`,
          async () => {
            await fileSystem().writePath("kinds/file.txt", content());
            await expectContent("kinds/file.txt", bytesOf(text));
          },
          timeout,
        );
      }

      it(
        "refuses content that is neither bytes, text nor a stream with INVALID_INPUT, writing nothing",
        async () => {
          for (const content of [42, null, { not: "a stream" }]) {
            let thrown: unknown;
            try {
              await fileSystem().writePath("kinds/refused.txt", content as never);
            } catch (error) {
              thrown = error;
            }
            expect((thrown as { code?: string } | undefined)?.code).toBe("INVALID_INPUT");
          }
          expect(await fileSystem().exists("kinds/refused.txt")).toBe(false);
          expect(await collect(fileSystem().list("kinds/"))).toEqual([]);
        },
        timeout,
      );
    });

    it(
      "overwrites an existing file (an upsert), even with shorter content",
      async () => {
        await fileSystem().writePath("upsert.txt", "a longer first version");
        await fileSystem().writePath("upsert.txt", "second");
        await expectContent("upsert.txt", bytesOf("second"));
        expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
          "upsert.txt",
        ]);
      },
      timeout,
    );

    it(
      "stores nested paths and keeps siblings apart",
      async () => {
        await fileSystem().writePath("a/b/c/deep.txt", "deep");
        await fileSystem().writePath("a/b/sibling.txt", "sibling");
        await fileSystem().writePath("a/top.txt", "top");
        await expectContent("a/b/c/deep.txt", bytesOf("deep"));
        await expectContent("a/b/sibling.txt", bytesOf("sibling"));
        expect(await fileSystem().exists("a/b")).toBe(false);
        expect((await collect(fileSystem().list("a/b/"))).map((entry) => entry.path)).toEqual([
          "a/b/c/deep.txt",
          "a/b/sibling.txt",
        ]);
      },
      timeout,
    );

    describe("paths", () => {
      it(
        "resolves equivalent spellings of a path to one key",
        async () => {
          const spellings = [
            "/x//y/./z.txt",
            "x/y/z.txt",
            "./x/y/z.txt",
            "x//y/z.txt/",
            "///x/y/z.txt",
          ];
          for (const [index, spelling] of spellings.entries()) {
            expect(await fileSystem().writePath(spelling, `version ${index}`)).toBe("x/y/z.txt");
          }
          for (const spelling of spellings) {
            expect(await fileSystem().exists(spelling)).toBe(true);
            expect(Buffer.from(await fileSystem().readPath(spelling)).toString()).toBe(
              `version ${spellings.length - 1}`,
            );
          }
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
            "x/y/z.txt",
          ]);
        },
        timeout,
      );

      it(
        "treats the key a write returns as the same file when it is used again",
        async () => {
          const key = await fileSystem().writePath("/results//once.json", "1");
          expect(await fileSystem().writePath(key, "2")).toBe(key);
          expect(await fileSystem().writePath(await fileSystem().writePath(key, "3"), "4")).toBe(
            key,
          );
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([key]);
          expect(Buffer.from(await fileSystem().readPath(key)).toString()).toBe("4");
        },
        timeout,
      );

      const escapes = [
        "../outside.txt",
        "a/../../outside.txt",
        "a/..",
        "..",
        "ok/\u0000.txt",
        "a\\..\\outside.txt",
        "%2e%2e/outside.txt",
        "a/%2E%2E/%2e%2e/outside.txt",
        "a/%252e%252e/outside.txt",
        "a%2f..%2foutside.txt",
        "line\nbreak.txt",
        "",
        "/",
      ];
      it(
        "refuses paths that escape the base folder with PATH_OUTSIDE_BASE, touching nothing",
        async () => {
          await fileSystem().writePath("inside.txt", "inside");
          for (const path of escapes) {
            await expectCode(() => fileSystem().writePath(path, "escaped"), "PATH_OUTSIDE_BASE");
            await expectCode(() => fileSystem().readPath(path), "PATH_OUTSIDE_BASE");
            await expectCode(() => fileSystem().createReadStream(path), "PATH_OUTSIDE_BASE");
            await expectCode(() => fileSystem().exists(path), "PATH_OUTSIDE_BASE");
            await expectCode(() => fileSystem().delete(path), "PATH_OUTSIDE_BASE");
          }
          await expectCode(() => collect(fileSystem().list("../")), "PATH_OUTSIDE_BASE");
          await expectCode(() => collect(fileSystem().list("a/../../")), "PATH_OUTSIDE_BASE");
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
            "inside.txt",
          ]);
        },
        timeout,
      );
    });

    describe("exists and delete", () => {
      it(
        "reports a missing path as absent and deleting it as false",
        async () => {
          expect(await fileSystem().exists("missing.txt")).toBe(false);
          expect(await fileSystem().delete("missing.txt")).toBe(false);
          expect(await fileSystem().delete("missing/deeper/file.txt")).toBe(false);
        },
        timeout,
      );

      it(
        "deletes a file so that it no longer exists, reads or lists",
        async () => {
          await fileSystem().writePath("gone/soon.txt", "bye");
          await fileSystem().writePath("gone/stays.txt", "stay");
          expect(await fileSystem().exists("gone/soon.txt")).toBe(true);
          expect(await fileSystem().delete("gone/soon.txt")).toBe(true);
          expect(await fileSystem().exists("gone/soon.txt")).toBe(false);
          expect(await fileSystem().delete("gone/soon.txt")).toBe(false);
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
            "gone/stays.txt",
          ]);
        },
        timeout,
      );

      it(
        "fails a read of a missing path with FILE_NOT_FOUND",
        async () => {
          await expectCode(() => fileSystem().readPath("missing.txt"), "FILE_NOT_FOUND");
          await expectCode(
            async () => readStream(await fileSystem().createReadStream("missing/file.txt")),
            "FILE_NOT_FOUND",
          );
        },
        timeout,
      );
    });

    describe("list", () => {
      it(
        "pages through more files than one listing page holds, in key order",
        async () => {
          const count = listPageSize * 2 + 3;
          const names = Array.from(
            { length: count },
            (_, index) => `many/file-${String(index).padStart(5, "0")}.txt`,
          );
          await inParallel(
            names.map((name) => () => fileSystem().writePath(name, name)),
            8,
          );
          await fileSystem().writePath("many-other/x.txt", "x");
          await fileSystem().writePath("elsewhere/y.txt", "y");
          const listed = await collect(fileSystem().list("many/"));
          expect(listed.length).toBe(count);
          expect(listed.map((entry) => entry.path)).toEqual(names);
          expect(listed.every((entry) => entry.size === entry.path.length)).toBe(true);
          const partial = await collect(fileSystem().list("many"));
          expect(partial.length).toBe(count + 1);
          // "-" sorts before "/": keys are listed in byte order, as S3 lists them.
          expect(partial[0]?.path).toBe("many-other/x.txt");
          expect((await collect(fileSystem().list())).length).toBe(count + 2);
          expect((await collect(fileSystem().list("many/file-0000"))).length).toBe(10);
        },
        timeout,
      );

      it(
        "lists nothing under a prefix that holds no files",
        async () => {
          await fileSystem().writePath("present.txt", "here");
          expect(await collect(fileSystem().list("absent/"))).toEqual([]);
          expect(await collect(fileSystem().list("present.txt/"))).toEqual([]);
        },
        timeout,
      );

      it(
        "accepts the same spellings of a prefix as of a path",
        async () => {
          await fileSystem().writePath("p/q/r.txt", "r");
          for (const prefix of ["p/q/", "/p//q/", "./p/q/"]) {
            expect((await collect(fileSystem().list(prefix))).map((entry) => entry.path)).toEqual([
              "p/q/r.txt",
            ]);
          }
        },
        timeout,
      );
    });

    describe("atomicity", () => {
      it(
        "lets one of two racing writers win with its whole payload, never a mix",
        async () => {
          const chunkSize = 256 << 10;
          const chunks = 16;
          const payload = (fill: number) => Buffer.alloc(chunkSize * chunks, fill);
          const initial = Buffer.from("initial");
          await fileSystem().writePath("race.bin", initial);
          const writer = (fill: number) =>
            fileSystem().writePath(
              "race.bin",
              (async function* () {
                for (let index = 0; index < chunks; index++) {
                  await nextTurn();
                  yield Buffer.alloc(chunkSize, fill);
                }
              })(),
            );
          const allowed = [initial, payload(0xa1), payload(0xb2)];
          let writing = true;
          const reader = (async () => {
            let reads = 0;
            while (writing || reads === 0) {
              const seen = Buffer.from(await fileSystem().readPath("race.bin"));
              expect(allowed.some((candidate) => candidate.equals(seen))).toBe(true);
              reads++;
              await nextTurn();
            }
          })();
          try {
            await Promise.all([writer(0xa1), writer(0xb2)]);
          } finally {
            writing = false;
          }
          await reader;
          const final = Buffer.from(await fileSystem().readPath("race.bin"));
          expect(final.equals(allowed[1]!) || final.equals(allowed[2]!)).toBe(true);
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
            "race.bin",
          ]);
        },
        timeout,
      );

      it(
        "leaves the previous content and no stray file when a write is aborted",
        async () => {
          await fileSystem().writePath("kept.txt", "previous");
          const controller = new AbortController();
          const error = await errorOf(() =>
            fileSystem().writePath(
              "kept.txt",
              (async function* () {
                yield Buffer.alloc(64 << 10, 1);
                await nextTurn();
                controller.abort();
                yield Buffer.alloc(64 << 10, 2);
                await nextTurn();
                yield Buffer.alloc(64 << 10, 3);
              })(),
              { signal: controller.signal },
            ),
          );
          expect(error === undefined).toBe(false);
          expect(isAbortError(error) || controller.signal.reason === error).toBe(true);
          expect(Buffer.from(await fileSystem().readPath("kept.txt")).toString()).toBe("previous");
          const aborted = new AbortController();
          aborted.abort();
          const early = await errorOf(() =>
            fileSystem().writePath("new.txt", "never", { signal: aborted.signal }),
          );
          expect(early === undefined).toBe(false);
          expect(await fileSystem().exists("new.txt")).toBe(false);
          expect((await collect(fileSystem().list())).map((entry) => entry.path)).toEqual([
            "kept.txt",
          ]);
        },
        timeout,
      );
    });

    describe("cancelled reads", () => {
      it(
        "stops a streamed read whose signal aborts with an AbortError, and refuses one already aborted",
        async () => {
          const size = 8 * megabyte;
          await fileSystem().writePath("cancelled/big.bin", new Uint8Array(size));
          const controller = new AbortController();
          const stream = await fileSystem().createReadStream("cancelled/big.bin", {
            signal: controller.signal,
          });
          let received = 0;
          const error = await errorOf(async () => {
            for await (const chunk of stream) {
              received += (chunk as Uint8Array).byteLength;
              controller.abort();
            }
          });
          expect(isAbortError(error) || controller.signal.reason === error).toBe(true);
          expect(received).toBeLessThan(size);
          const aborted = new AbortController();
          aborted.abort();
          const early = await errorOf(() =>
            fileSystem().readPath("cancelled/big.bin", { signal: aborted.signal }),
          );
          expect(isAbortError(early) || aborted.signal.reason === early).toBe(true);
          // The file is intact for the next reader.
          expect((await fileSystem().readPath("cancelled/big.bin")).byteLength).toBe(size);
        },
        timeout,
      );
    });

    describe("progress", () => {
      it(
        "reports the bytes written and read, ending at the payload's size",
        async () => {
          const size = 3 * megabyte + 17;
          const writes: TransferProgress[] = [];
          await fileSystem().writePath(
            "progress.bin",
            Readable.from(
              (function* () {
                for (let offset = 0; offset < size; offset += 64 << 10) {
                  yield Buffer.alloc(Math.min(64 << 10, size - offset), 7);
                }
              })(),
            ),
            { onProgress: (progress) => writes.push({ ...progress }), contentLength: size },
          );
          expect(writes.length).toBeGreaterThan(0);
          expect(writes.at(-1)?.bytes).toBe(size);
          const reads: TransferProgress[] = [];
          const pieces: Buffer[] = [];
          const read = await fileSystem().readPath("progress.bin", {
            onProgress: (progress) => reads.push({ ...progress }),
            // Optional for implementations; when they call it, the pieces make up the content.
            onChunk: (chunk) => pieces.push(Buffer.from(chunk)),
          });
          if (pieces.length > 0) expect(Buffer.concat(pieces).equals(Buffer.from(read))).toBe(true);
          expect(reads.at(-1)?.bytes).toBe(size);
          const streamed: TransferProgress[] = [];
          await readStream(
            await fileSystem().createReadStream("progress.bin", {
              onProgress: (progress) => streamed.push({ ...progress }),
            }),
          );
          expect(streamed.at(-1)?.bytes).toBe(size);
          for (const series of [writes, reads, streamed]) {
            const bytes = series.map((progress) => progress.bytes);
            expect(bytes.every((value, index) => index === 0 || value >= bytes[index - 1]!)).toBe(
              true,
            );
          }
        },
        timeout,
      );
    });

    it(
      `streams a ${largeMegabytes} MB write and read without buffering it in memory`,
      async () => {
        const chunkSize = megabyte;
        const chunkCount = largeMegabytes;
        const expected = createHash("sha256");
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        const sample = () => {
          peak = Math.max(peak, process.memoryUsage().rss);
        };
        const written = await fileSystem().writePath(
          "large/stream.bin",
          Readable.from(
            (function* () {
              for (let index = 0; index < chunkCount; index++) {
                sample();
                const chunk = patternChunk(index, chunkSize);
                expected.update(chunk);
                yield chunk;
              }
            })(),
          ),
          { contentLength: chunkSize * chunkCount },
        );
        expect(written).toBe("large/stream.bin");
        const actual = createHash("sha256");
        let size = 0;
        for await (const chunk of await fileSystem().createReadStream("large/stream.bin")) {
          sample();
          actual.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        sample();
        expect(size).toBe(chunkSize * chunkCount);
        expect(actual.digest("hex")).toBe(expected.digest("hex"));
        const growthMegabytes = (peak - baseline) / megabyte;
        if (process.env.TESSERA_CONFORMANCE_VERBOSE)
          console.log(`resident memory grew ${growthMegabytes.toFixed(1)} MB`);
        expect(growthMegabytes).toBeLessThan(memoryMegabytes);
      },
      timeout,
    );
  });
}
