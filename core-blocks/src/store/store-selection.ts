import { join } from "node:path";
import { InvalidInputError } from "../errors/index.js";
import { getProfile, readProfiles, type StoreProfile } from "./profiles.js";
import { tesseraHome } from "./tessera-home.js";

/** Why a setting is in force, strongest first: flag > environment > profile > default. */
export type SettingSource = "flag" | "environment" | "profile" | "default";

/** The store this process opens by default, and why. Holds no credential. */
export interface StoreSelection {
  kind: "sqlite" | "postgres" | "http";
  /** Where the store is, without credentials: a file, `host:port/database`, or the server URL. */
  location: string;
  source: SettingSource;
  /** What chose it, such as `--profile team`, `TESSERA_API_URL` or `profile team (tessera profile use)`. */
  reason: string;
  /** The profile in force, if one chose the store. */
  profile?: string;
  /** For a server: the environment variable the API token is read from, if any. */
  apiKeyVariable?: string;
}

/** What opening the selected store needs, credentials included; never shown. */
export interface StoreSelectionSecrets {
  databaseUrl?: string;
  databaseSchema?: string;
  apiUrl?: string;
  apiKey?: string;
  path?: string;
}

let profileFlag: string | undefined;

/**
 * Chooses the profile the CLI's `--profile` flag names, above the environment; `undefined`
 * clears it.
 */
export function setProfileFlag(name: string | undefined): void {
  profileFlag = name;
}

function postgresLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    return "postgres://(unreadable URL)";
  }
}

function checkPostgresUrl(url: string, variable: string): void {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new InvalidInputError({
      subject: variable,
      message: `${variable} must be a PostgreSQL URL (postgres://user:password@host:port/database); its value is not shown. Unset it to use the embedded SQLite store.`,
    });
  }
}

function fromProfile(
  name: string,
  profile: StoreProfile,
  source: SettingSource,
  reason: string,
  environment: NodeJS.ProcessEnv,
): { selection: StoreSelection; secrets: StoreSelectionSecrets } {
  const unset = (variable: string, what: string) =>
    new InvalidInputError({
      subject: variable,
      message: `The profile "${name}" reads ${what} from ${variable}, which is not set. Set ${variable} in this environment, or choose another profile.`,
    });
  if ("apiUrl" in profile) {
    const variable = profile.apiKeyEnv;
    const apiKey = variable === undefined ? undefined : environment[variable];
    if (variable !== undefined && !apiKey) throw unset(variable, "the API token");
    return {
      selection: {
        kind: "http",
        location: profile.apiUrl,
        source,
        reason,
        profile: name,
        ...(variable === undefined ? {} : { apiKeyVariable: variable }),
      },
      secrets: { apiUrl: profile.apiUrl, ...(apiKey ? { apiKey } : {}) },
    };
  }
  const databaseUrl = environment[profile.databaseUrlEnv];
  if (!databaseUrl) throw unset(profile.databaseUrlEnv, "the PostgreSQL URL");
  checkPostgresUrl(databaseUrl, profile.databaseUrlEnv);
  return {
    selection: {
      kind: "postgres",
      location: postgresLocation(databaseUrl),
      source,
      reason,
      profile: name,
    },
    secrets: {
      databaseUrl,
      ...(profile.databaseSchema ? { databaseSchema: profile.databaseSchema } : {}),
    },
  };
}

/**
 * The default store and why, by precedence: the CLI's `--profile` flag; then the environment
 * (`TESSERA_DATABASE_URL` or `TESSERA_API_URL`; both at once is `INVALID_INPUT`); then a profile
 * (`TESSERA_PROFILE`, else the one `tessera profile use` chose); then the embedded SQLite file in
 * `TESSERA_HOME`. A profile whose variable is unset is `INVALID_INPUT` naming the variable.
 */
export function resolveStoreSelection(environment: NodeJS.ProcessEnv = process.env): {
  selection: StoreSelection;
  secrets: StoreSelectionSecrets;
} {
  if (profileFlag !== undefined) {
    return fromProfile(
      profileFlag,
      getProfile(profileFlag),
      "flag",
      `--profile ${profileFlag}`,
      environment,
    );
  }
  const databaseUrl = environment.TESSERA_DATABASE_URL;
  const apiUrl = environment.TESSERA_API_URL;
  if (databaseUrl && apiUrl) {
    throw new InvalidInputError({
      subject: "TESSERA_DATABASE_URL",
      message:
        "Both TESSERA_DATABASE_URL and TESSERA_API_URL are set, so the store to use is ambiguous. Unset one: TESSERA_DATABASE_URL opens PostgreSQL directly, TESSERA_API_URL goes through a tessera server.",
    });
  }
  if (databaseUrl) {
    checkPostgresUrl(databaseUrl, "TESSERA_DATABASE_URL");
    const schema = environment.TESSERA_DATABASE_SCHEMA;
    return {
      selection: {
        kind: "postgres",
        location: postgresLocation(databaseUrl),
        source: "environment",
        reason: "TESSERA_DATABASE_URL",
      },
      secrets: { databaseUrl, ...(schema ? { databaseSchema: schema } : {}) },
    };
  }
  if (apiUrl) {
    const apiKey = environment.TESSERA_API_KEY;
    return {
      selection: {
        kind: "http",
        location: apiUrl,
        source: "environment",
        reason: "TESSERA_API_URL",
        ...(apiKey ? { apiKeyVariable: "TESSERA_API_KEY" } : {}),
      },
      secrets: { apiUrl, ...(apiKey ? { apiKey } : {}) },
    };
  }
  const named = environment.TESSERA_PROFILE;
  if (named) {
    return fromProfile(named, getProfile(named), "profile", "TESSERA_PROFILE", environment);
  }
  const file = readProfiles();
  if (file.current !== undefined) {
    return fromProfile(
      file.current,
      getProfile(file.current, file),
      "profile",
      "tessera profile use",
      environment,
    );
  }
  const path = join(tesseraHome(), "tessera.db");
  return {
    selection: { kind: "sqlite", location: path, source: "default", reason: "TESSERA_HOME" },
    secrets: { path },
  };
}
