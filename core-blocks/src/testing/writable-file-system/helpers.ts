import { TesseraError } from "../../errors/index.js";
import type { FileEntry, WritableFileSystem } from "../../results/index.js";
import type { ConformanceTestApi } from "../conformance-test-api.js";

/** What every topic of the WritableFileSystem suite shares: the test API, the file system of the
 * running test, assertions and the suite's options. */
export interface WritableFileSystemSuite {
  api: ConformanceTestApi;
  fileSystem: () => WritableFileSystem;
  expectCode: (action: () => Promise<unknown>, code: string) => Promise<void>;
  expectContent: (path: string, expected: Uint8Array) => Promise<void>;
  timeout: number;
  listPageSize: number;
  largeMegabytes: number;
  memoryMegabytes: number;
}

export const megabyte = 1 << 20;

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export async function readStream(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function collect(entries: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const all: FileEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

export async function errorOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

export function codeOf(error: unknown): string {
  if (TesseraError.isInstance(error)) return error.code;
  if (error === undefined) return "no error";
  return `a non-Tessera error: ${String(error)}`;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
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
export function patternChunk(index: number, size: number): Buffer {
  const chunk = Buffer.allocUnsafe(size);
  chunk.fill(index % 251);
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

export function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === "AbortError" || (error as { code?: unknown }).code === "ABORT_ERR";
}
