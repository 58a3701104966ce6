/** The server's JSON API, with the signed-in token as `Authorization: Bearer`. */

const tokenKey = "tessera.token";

/** The token this tab signed in with (kept in sessionStorage: gone when the tab closes). */
export function storedToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

/** A problem the server found in one field of a block's values. */
export interface Problem {
  path: string | Array<string | number>;
  message: string;
}

/** An error answer of the API: `{ error: { code, message, … } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }

  get problems(): Problem[] {
    const problems = this.details.problems;
    return Array.isArray(problems) ? (problems as Problem[]) : [];
  }
}

export interface ApiResponse<T> {
  body: T;
  etag: string | undefined;
}

/** Calls the API; an error answer becomes an `ApiError`, a 401 also signs the tab out. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: "application/json", ...init.headers };
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    cache: "no-store",
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (body as { error?: Record<string, unknown> } | undefined)?.error ?? {};
    if (response.status === 401) window.dispatchEvent(new Event("tessera:signed-out"));
    throw new ApiError(
      response.status,
      String(error.code ?? `HTTP_${response.status}`),
      String(error.message ?? response.statusText),
      error,
    );
  }
  return { body: body as T, etag: response.headers.get("etag") ?? undefined };
}

export type Scope = "read" | "write" | "reveal" | "admin";

/** Whether a token of this scope may change blocks. */
export function canWrite(scope: Scope): boolean {
  return scope === "write" || scope === "admin";
}

export interface BlockType {
  type: string;
  title: string;
  description: string;
  documentationUrl?: string;
  logoUrl?: string;
  capabilities: string[];
  schemaVersion: string;
  jsonSchema: JsonSchema;
  secretFields: string[];
  package?: { name: string; version: string; coreRange?: string };
}

export type JsonSchema = { [keyword: string]: unknown };

export interface DocumentSummary {
  id: string;
  type: string;
  name: string;
  revision: number;
  schemaVersion: string;
  createdAt: string;
  updatedAt: string;
}

export interface RevisionSummary {
  revision: number;
  updatedAt: string;
  operation: "save" | "rollback" | "rename";
  restoredFrom?: number;
  actor?: string;
}

/** A block's values as the server shows them: secrets `{ $secret: "set" }`, links `{ $ref }`. */
export interface BlockValues {
  slug: string;
  type: string;
  name: string;
  id: string;
  revision: number;
  updatedAt: string;
  actor?: string;
  data: Record<string, unknown>;
}

export function blockPath(type: string, name: string): string {
  return `/v1/blocks/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;
}

export function documentPath(type: string, name: string): string {
  return `/v1/documents/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;
}
