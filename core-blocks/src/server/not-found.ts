import { formatSlug } from "../block/slug.js";
import type { DocumentRef } from "../store/index.js";

/** The 404 body for a document that is not there (or that the request's token may not see). */
export function notFound(ref: DocumentRef, revision?: number) {
  const what = "id" in ref ? `id ${ref.id}` : `"${formatSlug(ref.type, ref.name)}"`;
  const which = revision === undefined ? "" : ` at revision ${revision}`;
  return {
    error: {
      code: "BLOCK_NOT_FOUND",
      message: `No document ${what}${which} in this store. List documents with GET /v1/documents.`,
      ...("id" in ref ? { id: ref.id } : { slug: formatSlug(ref.type, ref.name) }),
    },
  };
}
