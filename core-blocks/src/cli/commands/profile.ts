import { existsSync } from "node:fs";
import { InvalidInputError } from "../../errors/index.js";
import { findProjectConfig } from "../../integration/project-config.js";
import { keyFilePath } from "../../secrets/index.js";
import {
  createProfile,
  deleteProfile,
  profilesFilePath,
  readProfiles,
  resolveStoreSelection,
  type SettingSource,
  type StoreProfile,
  useProfile,
} from "../../store/index.js";
import type { CliContext } from "../context.js";
import type { ProfileCreateOptions } from "./profile-commands.js";

/** `tessera profile create`. */
export function profileCreateCommand(
  context: CliContext,
  name: string,
  options: ProfileCreateOptions,
): void {
  const forServer = options.apiUrl !== undefined || options.apiKeyEnv !== undefined;
  const forDatabase = options.dbUrlEnv !== undefined || options.dbSchema !== undefined;
  if (forServer === forDatabase) {
    throw new InvalidInputError({
      subject: "profile",
      message: forServer
        ? "A profile reaches a server (--api-url, --api-key-env) or a database (--db-url-env), not both."
        : "Say what the profile reaches: --api-url <url> [--api-key-env VARIABLE] for a tessera server, or --db-url-env VARIABLE for PostgreSQL.",
    });
  }
  if (forServer && options.apiUrl === undefined) {
    throw new InvalidInputError({
      subject: "--api-url",
      message: "--api-key-env needs --api-url: the URL of the tessera server.",
    });
  }
  if (forDatabase && options.dbUrlEnv === undefined) {
    throw new InvalidInputError({
      subject: "--db-url-env",
      message: "--db-schema needs --db-url-env: the variable that holds the PostgreSQL URL.",
    });
  }
  const profile: StoreProfile = forServer
    ? {
        apiUrl: options.apiUrl!,
        ...(options.apiKeyEnv === undefined ? {} : { apiKeyEnv: options.apiKeyEnv }),
      }
    : {
        databaseUrlEnv: options.dbUrlEnv!,
        ...(options.dbSchema === undefined ? {} : { databaseSchema: options.dbSchema }),
      };
  createProfile(name, profile);
  if (options.use) useProfile(name);
  context.output.note(
    `Saved the profile "${name}" in ${profilesFilePath()}${options.use ? " and made it the one in use" : `. Use it with tessera profile use ${name} or --profile ${name}`}.`,
  );
}

/** `tessera profile use`. */
export function profileUseCommand(context: CliContext, name: string): void {
  useProfile(name);
  context.output.note(
    `Using the profile "${name}" when neither --profile nor TESSERA_DATABASE_URL, TESSERA_API_URL or TESSERA_PROFILE chooses a store.`,
  );
}

/** `tessera profile delete`. */
export function profileDeleteCommand(context: CliContext, name: string): void {
  deleteProfile(name);
  context.output.note(`Deleted the profile "${name}".`);
}

function describeProfile(profile: StoreProfile): string {
  if ("apiUrl" in profile) {
    return `server ${profile.apiUrl}${profile.apiKeyEnv ? `, token from ${profile.apiKeyEnv}` : ", no token"}`;
  }
  return `PostgreSQL from ${profile.databaseUrlEnv}${profile.databaseSchema ? `, schema ${profile.databaseSchema}` : ""}`;
}

/** `tessera profile list`. */
export function profileListCommand(context: CliContext, options: { json?: boolean }): void {
  const file = readProfiles();
  const names = Object.keys(file.profiles).sort();
  if (options.json) {
    context.output.json(
      names.map((name) => ({ name, current: file.current === name, ...file.profiles[name] })),
    );
    return;
  }
  if (names.length === 0) {
    context.output.note(
      "No profiles yet. Create one: tessera profile create team --api-url <url> --api-key-env TEAM_TOKEN",
    );
    return;
  }
  for (const name of names) {
    context.output.line(
      `${file.current === name ? "*" : " "} ${name}  ${describeProfile(file.profiles[name]!)}`,
    );
  }
}

interface ConfigRow {
  value: string | null;
  source: SettingSource;
  reason: string;
}

/** `tessera config`: what is in force and why, without any credential. */
export function configCommand(context: CliContext, options: { json?: boolean }): void {
  const environment = context.environment;
  const { selection } = resolveStoreSelection(environment);
  const store: ConfigRow & { kind: string; profile?: string } = {
    kind: selection.kind,
    value: selection.location,
    source: selection.source,
    reason: selection.reason,
    ...(selection.profile ? { profile: selection.profile } : {}),
  };
  const apiKey: ConfigRow =
    selection.kind !== "http"
      ? { value: null, source: "default", reason: "the store is not a server" }
      : selection.apiKeyVariable
        ? {
            value: selection.apiKeyVariable,
            source: selection.source,
            reason: selection.profile
              ? `profile ${selection.profile} (${selection.reason})`
              : selection.reason,
          }
        : { value: null, source: selection.source, reason: "no token is configured" };
  const keyFile = keyFilePath();
  const masterKey: ConfigRow = environment.TESSERA_ENCRYPTION_KEY
    ? { value: "TESSERA_ENCRYPTION_KEY", source: "environment", reason: "TESSERA_ENCRYPTION_KEY" }
    : existsSync(keyFile)
      ? { value: keyFile, source: "default", reason: "the key file in TESSERA_HOME" }
      : selection.kind === "http"
        ? {
            value: "server",
            source: "default",
            reason: "no master key here: the server generates and unwraps data keys",
          }
        : { value: keyFile, source: "default", reason: "created on the first secret saved" };
  const project = findProjectConfig();
  const projectConfig: ConfigRow = project
    ? { value: project.file, source: "default", reason: "the nearest tessera.config.json" }
    : { value: null, source: "default", reason: "no tessera.config.json here or above" };
  const report = { store, apiKey, masterKey, projectConfig };
  if (options.json) {
    context.output.json(report);
    return;
  }
  const show = (label: string, row: ConfigRow) =>
    context.output.line(
      `${label.padEnd(15)}${row.value ?? "(none)"}  [${row.source}: ${row.reason}]`,
    );
  show("store", { ...store, value: `${store.kind} ${store.value}` });
  show("API key", apiKey);
  show("master key", masterKey);
  show("project config", projectConfig);
}
