import { TesseraError } from "../errors/index.js";

/** The HTTP status each stable error code answers with; codes not listed answer 500. */
const statusByCode: Record<string, number> = {
  INVALID_INPUT: 400,
  INVALID_SLUG: 400,
  VALIDATION_FAILED: 400,
  MASKED_SECRET: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BLOCK_NOT_FOUND: 404,
  UNKNOWN_BLOCK_TYPE: 404,
  BLOCK_EXISTS: 409,
  REVISION_CONFLICT: 409,
  BLOCK_REFERENCED: 409,
  REFERENCE_CYCLE: 409,
  REFERENCE_NOT_FOUND: 409,
  MASTER_KEY_NOT_CURRENT: 409,
  DOCUMENT_TOO_LARGE: 413,
  STORE_BUSY: 503,
  STORE_CLOSED: 503,
  DATABASE_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
};

/** The body of every error response: `{ error: { code, message, …typed fields } }`. */
export interface ErrorBody {
  error: { code: string; message: string; [field: string]: unknown };
}

/**
 * Status and body for an error thrown while answering. A Tessera error keeps its code, message
 * and typed fields (`slug`, `expectedRevision`, `referrers`, …), already scrubbed of remembered
 * secrets by `toJSON`; any other error is a 500 whose message says nothing of its cause.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (TesseraError.isInstance(error)) {
    const { name: _name, code, message, ...fields } = error.toJSON();
    return { status: statusByCode[code] ?? 500, body: { error: { code, message, ...fields } } };
  }
  const { statusCode, validation, code } = error as {
    statusCode?: number;
    validation?: unknown;
    code?: string;
    message?: string;
  };
  if (validation !== undefined) {
    return {
      status: 400,
      body: {
        error: {
          code: "INVALID_INPUT",
          message: `The request is not valid: ${(error as Error).message}. The shapes are described at /openapi.json.`,
        },
      },
    };
  }
  if (statusCode === 413 || code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return {
      status: 413,
      body: {
        error: {
          code: "REQUEST_TOO_LARGE",
          message:
            "The request body is larger than the server accepts. Documents are limited in size; store large values elsewhere and reference them.",
        },
      },
    };
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return {
      status: statusCode,
      body: {
        error: {
          code: "INVALID_INPUT",
          message: `The request could not be read (${code ?? statusCode}). Send JSON with Content-Type: application/json.`,
        },
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "INTERNAL",
        message: "The server failed to answer this request. Its log has the details.",
      },
    },
  };
}
