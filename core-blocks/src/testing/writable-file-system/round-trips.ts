import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { ReadableStream as WebReadableStream } from "node:stream/web";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { WritableFileSystem } from "../../results/index.js";
import { bytesOf, collect, megabyte, type WritableFileSystemSuite } from "./helpers.js";

/** WritableFileSystem conformance: round trips, content kinds, overwrites and nested paths. */
export function describeRoundTrips(suite: WritableFileSystemSuite): void {
  const { describe, it, expect } = suite.api;
  const { fileSystem, expectContent, timeout } = suite;
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
}
