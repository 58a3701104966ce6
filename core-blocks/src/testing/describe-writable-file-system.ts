import type { WritableFileSystem } from "../results/index.js";
import type { ConformanceTestApi } from "./conformance-test-api.js";
import { describeAtomicity } from "./writable-file-system/atomicity.js";
import { describeCancelledReads } from "./writable-file-system/cancelled-reads.js";
import { describeExistsAndDelete } from "./writable-file-system/exists-and-delete.js";
import {
  codeOf,
  errorOf,
  readStream,
  type WritableFileSystemSuite,
} from "./writable-file-system/helpers.js";
import { describeLargeFiles } from "./writable-file-system/large-files.js";
import { describeList } from "./writable-file-system/list.js";
import { describePaths } from "./writable-file-system/paths.js";
import { describeProgress } from "./writable-file-system/progress.js";
import { describeRoundTrips } from "./writable-file-system/round-trips.js";

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
  const { describe, expect, beforeEach, afterEach } = api;
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
  const suite: WritableFileSystemSuite = {
    api,
    fileSystem,
    expectCode,
    expectContent,
    timeout,
    listPageSize,
    largeMegabytes,
    memoryMegabytes,
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

    describeRoundTrips(suite);
    describePaths(suite);
    describeExistsAndDelete(suite);
    describeList(suite);
    describeAtomicity(suite);
    describeCancelledReads(suite);
    describeProgress(suite);
    describeLargeFiles(suite);
  });
}
