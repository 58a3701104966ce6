import { z } from "zod";

/** How a result's payload is compressed. */
export const compressionSchema = z.enum(["none", "gzip", "brotli"]);

/** How a result's payload is compressed: `none`, `gzip` or `brotli` (node:zlib, streamed). */
export type Compression = z.infer<typeof compressionSchema>;

/**
 * The metadata record stored beside each result's payload (as `<key>.meta.json`). It is written
 * after the payload is complete, so a record that exists always names a whole payload.
 */
export const resultMetadataSchema = z.object({
  /** Format of this record. */
  format: z.literal("tessera-result/1"),
  /** The result key, relative to the store's prefix. */
  key: z.string(),
  /** Name of the serializer that wrote the payload. */
  serializer: z.string().min(1),
  /** Compression of the stored payload. */
  compression: compressionSchema,
  /** When the result was stored (ISO 8601, UTC). */
  createdAt: z.iso.datetime(),
  /** When it stops being fresh (ISO 8601, UTC), or null for never. */
  expiresAt: z.iso.datetime().nullable(),
  /** Bytes of the stored payload (after compression). */
  length: z.number().int().nonnegative(),
  /** Bytes of the serialized value (before compression). */
  contentLength: z.number().int().nonnegative(),
  /** Lower-case hex SHA-256 of the stored payload. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Names this write's payload file: `<key>.<payloadId>.payload`. */
  payloadId: z.string().regex(/^[0-9a-z]{8,64}$/),
});

/** A result's metadata record (see `resultMetadataSchema`). */
export type ResultMetadata = z.infer<typeof resultMetadataSchema>;
