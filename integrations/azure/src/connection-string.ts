import { AzureCredentialsInvalidError } from "./errors/index.js";

/** Azurite's (and the storage emulator's) well-known development account. */
const DEVELOPMENT_ACCOUNT = {
  accountName: "devstoreaccount1",
  accountKey:
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
  blobEndpoint: "http://127.0.0.1:10000/devstoreaccount1",
} as const;

/** What a connection string says: where the account's blobs are, and how to authenticate. */
export type ParsedConnectionString =
  | { kind: "account-key"; blobEndpoint: string; accountName: string; accountKey: string }
  | { kind: "sas-token"; blobEndpoint: string; sasToken: string };

const knownSettings = new Set([
  "DefaultEndpointsProtocol",
  "AccountName",
  "AccountKey",
  "EndpointSuffix",
  "BlobEndpoint",
  "QueueEndpoint",
  "TableEndpoint",
  "FileEndpoint",
  "SharedAccessSignature",
  "UseDevelopmentStorage",
  "DevelopmentStorageProxyUri",
]);

const accountNamePattern = /^[a-z0-9]{3,24}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(reason: string): AzureCredentialsInvalidError {
  return new AzureCredentialsInvalidError({ field: "connectionString", reason });
}

/** True when `key` is the base64 text of a non-empty key, as account keys are. */
export function isBase64Key(key: string): boolean {
  return key.length >= 4 && base64Pattern.test(key);
}

/** A SAS token without its leading `?` (tokens are copied with and without it). */
export function normalizeSasToken(token: string): string {
  return token.trim().replace(/^\?/, "");
}

/**
 * What is wrong with a SAS token (`sv=…&sig=…`, with or without a leading `?`), or `undefined`
 * when it has the shape of one. Never mentions the token's values.
 */
export function sasTokenProblem(token: string): string | undefined {
  const query = normalizeSasToken(token);
  if (query === "" || query.includes("://") || query.includes("/")) {
    return "it is not the query part of a shared access signature";
  }
  const parameters = new URLSearchParams(query);
  const missing = ["sv", "sig"].filter((name) => !parameters.get(name));
  if (missing.length === 0) return undefined;
  return `it lacks the ${missing.join(" and ")} parameter${missing.length > 1 ? "s" : ""}`;
}

function blobEndpointUrl(value: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${setting} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid(`${setting} is not an http or https URL`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw invalid(`${setting} carries a query or fragment; put a SAS in SharedAccessSignature`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Parses an Azure Storage connection string (`Name=value;…`) into the blob endpoint and one way
 * to authenticate (an account key or a shared access signature). Throws
 * `AzureCredentialsInvalidError`, whose message names the settings at fault, never a value.
 */
export function parseConnectionString(connectionString: string): ParsedConnectionString {
  const settings = new Map<string, string>();
  for (const segment of connectionString.trim().split(";")) {
    if (segment.trim() === "") continue;
    const equals = segment.indexOf("=");
    if (equals <= 0) {
      throw invalid(
        settings.size === 0
          ? "it is not a list of Name=value settings separated by semicolons"
          : `a setting after ${[...settings.keys()].at(-1)} has no "Name=" part`,
      );
    }
    const name = segment.slice(0, equals).trim();
    const value = segment.slice(equals + 1).trim();
    const known = [...knownSettings].find(
      (setting) => setting.toLowerCase() === name.toLowerCase(),
    );
    if (known === undefined) {
      throw invalid(`it has an unknown setting "${name.slice(0, 40)}"`);
    }
    if (settings.has(known)) throw invalid(`it sets ${known} twice`);
    if (value === "") throw invalid(`${known} is empty`);
    settings.set(known, value);
  }
  if (settings.size === 0) throw invalid("it is empty");

  if (settings.get("UseDevelopmentStorage")?.toLowerCase() === "true") {
    const proxy = settings.get("DevelopmentStorageProxyUri");
    const endpoint =
      proxy === undefined
        ? DEVELOPMENT_ACCOUNT.blobEndpoint
        : `${blobEndpointUrl(proxy, "DevelopmentStorageProxyUri")}/${DEVELOPMENT_ACCOUNT.accountName}`;
    return {
      kind: "account-key",
      blobEndpoint: endpoint,
      accountName: DEVELOPMENT_ACCOUNT.accountName,
      accountKey: DEVELOPMENT_ACCOUNT.accountKey,
    };
  }

  const accountName = settings.get("AccountName");
  const blobEndpointSetting = settings.get("BlobEndpoint");
  if (accountName === undefined && blobEndpointSetting === undefined) {
    throw invalid("it names no account (neither AccountName nor BlobEndpoint)");
  }
  if (accountName !== undefined && !accountNamePattern.test(accountName)) {
    throw invalid("AccountName is not a storage account name (3-24 lower-case letters and digits)");
  }
  let blobEndpoint: string;
  if (blobEndpointSetting !== undefined) {
    blobEndpoint = blobEndpointUrl(blobEndpointSetting, "BlobEndpoint");
  } else {
    const protocol = (settings.get("DefaultEndpointsProtocol") ?? "https").toLowerCase();
    if (protocol !== "https" && protocol !== "http") {
      throw invalid("DefaultEndpointsProtocol is neither https nor http");
    }
    const suffix = settings.get("EndpointSuffix") ?? "core.windows.net";
    blobEndpoint = blobEndpointUrl(`${protocol}://${accountName}.blob.${suffix}`, "EndpointSuffix");
  }

  const accountKey = settings.get("AccountKey");
  const sas = settings.get("SharedAccessSignature");
  if (accountKey !== undefined && sas !== undefined) {
    throw invalid("it has both AccountKey and SharedAccessSignature; keep one");
  }
  if (accountKey !== undefined) {
    if (accountName === undefined) throw invalid("AccountKey is given without AccountName");
    if (!isBase64Key(accountKey)) throw invalid("AccountKey is not base64");
    return { kind: "account-key", blobEndpoint, accountName, accountKey };
  }
  if (sas !== undefined) {
    const problem = sasTokenProblem(sas);
    if (problem !== undefined) throw invalid(`SharedAccessSignature is not usable: ${problem}`);
    return { kind: "sas-token", blobEndpoint, sasToken: normalizeSasToken(sas) };
  }
  throw invalid("it carries no credential (neither AccountKey nor SharedAccessSignature)");
}

/**
 * The storage account name in a blob endpoint: the first label of the host
 * (`https://acme.blob.core.windows.net` → `acme`), or the first path segment where the host is an
 * IP address or `localhost` (Azurite: `http://127.0.0.1:10000/devstoreaccount1`).
 */
export function accountNameOf(accountUrl: string): string | undefined {
  const url = new URL(accountUrl);
  const host = url.hostname;
  const pathStyle = host === "localhost" || /^[\d.]+$/.test(host) || host.startsWith("[");
  const name = pathStyle ? url.pathname.split("/").find((part) => part !== "") : host.split(".")[0];
  return name === undefined || name === "" ? undefined : name;
}
