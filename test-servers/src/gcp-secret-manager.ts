/**
 * A small, faithful emulator of Google Cloud Secret Manager's REST surface (v1), as the official
 * `@google-cloud/secret-manager` client speaks it on its HTTP/JSON transport (`fallback: true`):
 * proto3 JSON bodies in camelCase, int64 fields as decimal strings, enums as numbers when the
 * request asks for `$alt=json;enum-encoding=int` (the client always does), and Google's error
 * JSON `{ "error": { "code": 404, "message": "…", "status": "NOT_FOUND" } }`.
 *
 * Served (the paths of the API's `google.api.http` rules):
 * - `POST /v1/projects/{p}/secrets?secretId=…` create (409 ALREADY_EXISTS when taken; the name
 *   must be 1–255 letters, digits, `-` or `_`; `replication` is required);
 * - `GET /v1/projects/{p}/secrets/{s}` get, `DELETE …` delete (with every version);
 * - `POST /v1/projects/{p}/secrets/{s}:addVersion` (payload `data` base64 of at most 64 KiB;
 *   a `dataCrc32c` sent is verified, a mismatch is 400 INVALID_ARGUMENT);
 * - `GET /v1/projects/{p}/secrets/{s}/versions/{v}` get and `…:access` (`v` a number or
 *   `latest`, the most recently created version; the answer carries `payload.dataCrc32c`);
 * - `POST …/versions/{v}:disable`, `:enable`, `:destroy` (a disabled or destroyed version answers
 *   400 FAILED_PRECONDITION on access, as the service does).
 *
 * Names in answers use the project's number, as the service does, whether the request named the
 * project by id or by number. Every request must carry an `Authorization` header (else 401
 * UNAUTHENTICATED); projects listed in `deniedProjects` (or denied later) answer 403
 * PERMISSION_DENIED. The `locations/*` (regional) paths, listing, labels, aliases, expiry and
 * etags are not served.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { crc32cBase64 } from "./gcs.js";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** Options of `startGcpSecretManager`. */
export interface GcpSecretManagerOptions {
  /** Project ids (or numbers) whose every request answers 403 PERMISSION_DENIED. @default [] */
  deniedProjects?: string[];
}

/** A request the emulator received. */
export interface GcpSecretManagerRequest {
  method: string;
  /** Path without the query, such as `/v1/projects/p/secrets/s/versions/latest:access`. */
  path: string;
  query: URLSearchParams;
}

/** The state of a secret version, as the API names it. */
export type GcpSecretVersionState = "ENABLED" | "DISABLED" | "DESTROYED";

/** A running emulator. */
export interface GcpSecretManager {
  /** `http://127.0.0.1:<port>`, for `secretManagerEndpoint` of `gcp-credentials`. */
  endpoint: string;
  /** Every request received, in order. */
  requests: GcpSecretManagerRequest[];
  /** The number the emulator gives a project id (stable for the emulator's life). */
  projectNumber(projectId: string): string;
  /** Makes every request on a project answer 403 PERMISSION_DENIED (or stop doing so). */
  denyProject(projectId: string, denied?: boolean): void;
  /** The versions of a secret, oldest first (`[]` when it does not exist). */
  versions(projectId: string, secretId: string): { id: string; state: GcpSecretVersionState }[];
  /** Stops the server. */
  stop(): Promise<void>;
}

interface StoredVersion {
  id: number;
  state: GcpSecretVersionState;
  data: Buffer | undefined;
  createTime: string;
  destroyTime?: string;
  clientSpecifiedPayloadChecksum: boolean;
}

interface StoredSecret {
  createTime: string;
  replication: unknown;
  versions: StoredVersion[];
  nextVersion: number;
}

/** An error the service answers with: HTTP status, canonical status and message. */
class ServiceError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_PAYLOAD = 65_536;
const STATE_NUMBERS: Record<GcpSecretVersionState, number> = {
  ENABLED: 1,
  DISABLED: 2,
  DESTROYED: 3,
};

/** The CRC32C of `data` as the unsigned integer Secret Manager's `dataCrc32c` carries. */
export function crc32cNumber(data: Uint8Array): number {
  return Buffer.from(crc32cBase64(data), "base64").readUInt32BE(0);
}

/** Starts the emulator on a free loopback port. */
export async function startGcpSecretManager(
  options: GcpSecretManagerOptions = {},
): Promise<GcpSecretManager> {
  const numbers = new Map<string, string>();
  const denied = new Set<string>();
  const secrets = new Map<string, StoredSecret>();
  const requests: GcpSecretManagerRequest[] = [];

  function projectNumber(project: string): string {
    if (/^[0-9]+$/.test(project)) return project;
    let number = numbers.get(project);
    if (number === undefined) {
      number = String(100_000_000_001 + numbers.size);
      numbers.set(project, number);
    }
    return number;
  }
  for (const project of options.deniedProjects ?? []) denied.add(projectNumber(project));

  const secretName = (number: string, secretId: string) => `projects/${number}/secrets/${secretId}`;

  function findSecret(number: string, secretId: string, forAccess = false): StoredSecret {
    const secret = secrets.get(secretName(number, secretId));
    if (secret === undefined) {
      throw new ServiceError(
        404,
        "NOT_FOUND",
        `Secret [${secretName(number, secretId)}] not found${forAccess ? " or has no versions" : ""}.`,
      );
    }
    return secret;
  }

  function findVersion(number: string, secretId: string, version: string): StoredVersion {
    const name = `${secretName(number, secretId)}/versions/${version}`;
    if (version !== "latest" && !/^[1-9][0-9]*$/.test(version)) {
      throw new ServiceError(
        400,
        "INVALID_ARGUMENT",
        `Invalid resource field value in the request: ${name}.`,
      );
    }
    const secret = findSecret(number, secretId, version === "latest");
    const found =
      version === "latest"
        ? secret.versions.at(-1)
        : secret.versions.find((candidate) => candidate.id === Number(version));
    if (found === undefined) {
      throw new ServiceError(
        404,
        "NOT_FOUND",
        version === "latest"
          ? `Secret [${secretName(number, secretId)}] not found or has no versions.`
          : `Secret Version [${name}] not found.`,
      );
    }
    return found;
  }

  function secretJson(number: string, secretId: string, secret: StoredSecret) {
    return {
      name: secretName(number, secretId),
      replication: secret.replication,
      createTime: secret.createTime,
      etag: `"${Buffer.from(secret.createTime).toString("hex").slice(0, 12)}"`,
    };
  }

  function versionJson(
    number: string,
    secretId: string,
    version: StoredVersion,
    intEnums: boolean,
  ) {
    return {
      name: `${secretName(number, secretId)}/versions/${version.id}`,
      createTime: version.createTime,
      ...(version.destroyTime === undefined ? {} : { destroyTime: version.destroyTime }),
      state: intEnums ? STATE_NUMBERS[version.state] : version.state,
      replicationStatus: { automatic: {} },
      etag: `"${version.id}-${version.state.toLowerCase()}"`,
      clientSpecifiedPayloadChecksum: version.clientSpecifiedPayloadChecksum,
    };
  }

  function addVersion(secret: StoredSecret, body: Record<string, unknown>): StoredVersion {
    const payload = body.payload as { data?: unknown; dataCrc32c?: unknown } | undefined;
    if (typeof payload !== "object" || payload === null) {
      throw new ServiceError(400, "INVALID_ARGUMENT", "Secret Version payload is required.");
    }
    if (payload.data !== undefined && typeof payload.data !== "string") {
      throw new ServiceError(
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'payload.data' (TYPE_BYTES).",
      );
    }
    const data = Buffer.from((payload.data as string | undefined) ?? "", "base64");
    if (data.length > MAX_PAYLOAD) {
      throw new ServiceError(
        400,
        "INVALID_ARGUMENT",
        `Secret Version payload is too large: ${data.length} bytes, the limit is ${MAX_PAYLOAD}.`,
      );
    }
    const sent = payload.dataCrc32c;
    if (sent !== undefined) {
      if (
        (typeof sent !== "string" && typeof sent !== "number") ||
        !/^[0-9]+$/.test(String(sent))
      ) {
        throw new ServiceError(
          400,
          "INVALID_ARGUMENT",
          "Invalid value at 'payload.data_crc32c' (TYPE_INT64).",
        );
      }
      if (Number(sent) !== crc32cNumber(data)) {
        throw new ServiceError(
          400,
          "INVALID_ARGUMENT",
          "Checksum mismatch: the data_crc32c sent does not match the CRC32C of the payload data.",
        );
      }
    }
    const version: StoredVersion = {
      id: secret.nextVersion++,
      state: "ENABLED",
      data,
      createTime: new Date().toISOString(),
      clientSpecifiedPayloadChecksum: sent !== undefined,
    };
    secret.versions.push(version);
    return version;
  }

  async function handle(request: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const method = request.method ?? "GET";
    const intEnums = (url.searchParams.get("$alt") ?? "").includes("enum-encoding=int");
    if (!request.headers.authorization) {
      throw new ServiceError(
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token.",
      );
    }
    const match =
      /^\/v1\/projects\/([^/:]+)\/secrets(?:\/([^/:]+)(?:\/versions\/([^/:]+))?)?(?::([a-zA-Z]+))?$/.exec(
        url.pathname,
      );
    if (match === null) {
      throw new ServiceError(404, "NOT_FOUND", `The requested URL ${url.pathname} was not found.`);
    }
    const [, project, secretId, version, verb] = match as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
      string | undefined,
    ];
    const number = projectNumber(decodeURIComponent(project));
    if (denied.has(number)) {
      const resource = url.pathname.slice("/v1/".length).replace(/:[a-zA-Z]+$/, "");
      throw new ServiceError(
        403,
        "PERMISSION_DENIED",
        `Permission denied on resource '${resource}' (or it may not exist).`,
      );
    }
    const body = method === "POST" || method === "PATCH" ? await readJson(request) : {};

    if (secretId === undefined) {
      if (method !== "POST" || verb !== undefined) throw unsupported(method, url.pathname);
      const id = url.searchParams.get("secretId") ?? "";
      if (!SECRET_ID.test(id)) {
        throw new ServiceError(
          400,
          "INVALID_ARGUMENT",
          `Secret ID [${id}] must be 1 to 255 characters of letters, numbers, dashes and underscores.`,
        );
      }
      const replication = body.replication;
      if (typeof replication !== "object" || replication === null) {
        throw new ServiceError(400, "INVALID_ARGUMENT", "Secret.replication is required.");
      }
      const name = secretName(number, id);
      if (secrets.has(name)) {
        throw new ServiceError(409, "ALREADY_EXISTS", `Secret [${name}] already exists.`);
      }
      const secret: StoredSecret = {
        createTime: new Date().toISOString(),
        replication,
        versions: [],
        nextVersion: 1,
      };
      secrets.set(name, secret);
      return [200, secretJson(number, id, secret)];
    }

    if (version === undefined) {
      if (method === "GET" && verb === undefined) {
        return [200, secretJson(number, secretId, findSecret(number, secretId))];
      }
      if (method === "DELETE" && verb === undefined) {
        findSecret(number, secretId);
        secrets.delete(secretName(number, secretId));
        return [200, {}];
      }
      if (method === "POST" && verb === "addVersion") {
        const added = addVersion(findSecret(number, secretId), body);
        return [200, versionJson(number, secretId, added, intEnums)];
      }
      throw unsupported(method, url.pathname);
    }

    const found = findVersion(number, secretId, decodeURIComponent(version));
    if (method === "GET" && verb === undefined) {
      return [200, versionJson(number, secretId, found, intEnums)];
    }
    if (method === "GET" && verb === "access") {
      const name = `${secretName(number, secretId)}/versions/${found.id}`;
      if (found.state !== "ENABLED" || found.data === undefined) {
        throw new ServiceError(
          400,
          "FAILED_PRECONDITION",
          `Secret Version [${name}] is in ${found.state} state.`,
        );
      }
      return [
        200,
        {
          name,
          payload: {
            data: found.data.toString("base64"),
            dataCrc32c: String(crc32cNumber(found.data)),
          },
        },
      ];
    }
    if (method === "POST" && (verb === "disable" || verb === "enable" || verb === "destroy")) {
      if (found.state === "DESTROYED") {
        throw new ServiceError(
          400,
          "FAILED_PRECONDITION",
          `Secret Version [${secretName(number, secretId)}/versions/${found.id}] is in DESTROYED state.`,
        );
      }
      if (verb === "destroy") {
        found.state = "DESTROYED";
        found.data = undefined;
        found.destroyTime = new Date().toISOString();
      } else {
        found.state = verb === "disable" ? "DISABLED" : "ENABLED";
      }
      return [200, versionJson(number, secretId, found, intEnums)];
    }
    throw unsupported(method, url.pathname);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://emulator");
    requests.push({ method: request.method ?? "GET", path: url.pathname, query: url.searchParams });
    handle(request, url).then(
      ([status, payload]) => send(response, status, payload),
      (error: unknown) => {
        const failure =
          error instanceof ServiceError
            ? error
            : new ServiceError(500, "INTERNAL", "Internal error encountered.");
        send(response, failure.httpStatus, {
          error: { code: failure.httpStatus, message: failure.message, status: failure.status },
        });
      },
    );
  });
  const endpoint = await listenOnLoopback(server);

  return {
    endpoint,
    requests,
    projectNumber,
    denyProject(projectId, deny = true) {
      if (deny) denied.add(projectNumber(projectId));
      else denied.delete(projectNumber(projectId));
    },
    versions(projectId, secretId) {
      const secret = secrets.get(secretName(projectNumber(projectId), secretId));
      return (secret?.versions ?? []).map((version) => ({
        id: String(version.id),
        state: version.state,
      }));
    },
    stop: () => closeServer(server),
  };
}

function unsupported(method: string, path: string): ServiceError {
  return new ServiceError(404, "NOT_FOUND", `The requested URL ${method} ${path} was not found.`);
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.length === 0) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new ServiceError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
}
