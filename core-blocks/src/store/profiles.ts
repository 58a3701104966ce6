import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { z as Zod } from "zod";
import { InvalidInputError } from "../errors/index.js";
import { ensureTesseraHome, tesseraHome } from "./tessera-home.js";

/**
 * The profiles file's schemas. zod is required when they are first needed (a profiles file exists,
 * or one is written), so choosing the default store costs no schema library when there is none.
 */
function buildSchemas(z: typeof Zod) {
  const variableName = z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name, such as TEAM_TOKEN");

  /**
   * A named way to reach a store. It holds names of environment variables, never a token or a
   * password: the values stay in the environment of the process that uses the profile.
   */
  const storeProfileSchema = z.union([
    z
      .object({
        /** The `tessera server` URL. */
        apiUrl: z.url({ protocol: /^https?$/ }),
        /** The environment variable that holds the API token. */
        apiKeyEnv: variableName.optional(),
      })
      .strict(),
    z
      .object({
        /** The environment variable that holds the PostgreSQL URL (with its password). */
        databaseUrlEnv: variableName,
        /** The PostgreSQL schema. @default "tessera" */
        databaseSchema: z.string().optional(),
      })
      .strict(),
  ]);

  const profilesFileSchema = z
    .object({
      /** The profile `tessera profile use` chose, if any. */
      current: z.string().optional(),
      profiles: z.record(z.string(), storeProfileSchema).default({}),
    })
    .strict();
  return { storeProfileSchema, profilesFileSchema };
}

type ProfileSchemas = ReturnType<typeof buildSchemas>;
let schemas: ProfileSchemas | undefined;

function profileSchemas(): ProfileSchemas {
  if (!schemas) {
    const { z } = createRequire(import.meta.url)("zod") as { z: typeof Zod };
    schemas = buildSchemas(z);
  }
  return schemas;
}

/** A saved store profile. */
export type StoreProfile = Zod.infer<ProfileSchemas["storeProfileSchema"]>;

/** The profiles file as stored. */
export type ProfilesFile = Zod.infer<ProfileSchemas["profilesFileSchema"]>;

const profileNamePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The profiles file: `$TESSERA_HOME/profiles.json`. */
export function profilesFilePath(): string {
  return join(tesseraHome(), "profiles.json");
}

/** The saved profiles (none when the file does not exist). */
export function readProfiles(): ProfilesFile {
  const path = profilesFilePath();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No file, or no home folder to hold one (a file stands where it should be): no profiles; the
    // store then says what is wrong with TESSERA_HOME.
    if (code === "ENOENT" || code === "ENOTDIR") return { profiles: {} };
    throw new InvalidInputError({
      subject: path,
      message: `The profiles file ${path} cannot be read (${code ?? "unknown error"}). Check its permissions, or set TESSERA_HOME to a folder of your own.`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = profileSchemas().profilesFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new InvalidInputError({
      subject: path,
      message: `The profiles file ${path} is not valid (${result.error.issues[0]?.path.join(".") || "JSON"}). Fix it, or delete it and create the profiles again.`,
    });
  }
  return result.data;
}

/** Writes the profiles file with mode 0600, atomically: a reader sees the old file or the new. */
function writeProfiles(file: ProfilesFile): void {
  const home = ensureTesseraHome();
  const path = join(home, "profiles.json");
  const temporary = join(home, `.profiles.json.${randomBytes(6).toString("hex")}.tmp`);
  const descriptor = openSync(temporary, "wx", 0o600);
  try {
    writeSync(descriptor, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function checkProfileName(name: string): void {
  if (!profileNamePattern.test(name) || name.length > 64) {
    throw new InvalidInputError({
      subject: "profile",
      message: `"${name}" is not a profile name: use lower-case letters, digits and dashes, such as team or prod-eu.`,
    });
  }
}

/** The profile `name`, or an `INVALID_INPUT` error that lists the saved ones. */
export function getProfile(name: string, file: ProfilesFile = readProfiles()): StoreProfile {
  const profile = file.profiles[name];
  if (profile) return profile;
  const names = Object.keys(file.profiles);
  throw new InvalidInputError({
    subject: "profile",
    message: `There is no profile "${name}". ${names.length > 0 ? `Saved profiles: ${names.join(", ")}.` : "None is saved yet."} Create it with tessera profile create ${name} --api-url <url> --api-key-env <VARIABLE>.`,
  });
}

/** Saves a new profile; refuses a name that is taken or a profile that is not valid. */
export function createProfile(name: string, profile: StoreProfile): void {
  checkProfileName(name);
  const checked = profileSchemas().storeProfileSchema.safeParse(profile);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidInputError({
      subject: "profile",
      message: `The profile "${name}" is not valid: ${issue?.path.join(".") || "profile"}: ${issue?.message ?? "invalid"}.`,
    });
  }
  const file = readProfiles();
  if (file.profiles[name]) {
    throw new InvalidInputError({
      subject: "profile",
      message: `A profile "${name}" exists already. Delete it first (tessera profile delete ${name}) or choose another name.`,
    });
  }
  writeProfiles({ ...file, profiles: { ...file.profiles, [name]: checked.data } });
}

/** Makes `name` the profile used when neither a flag nor the environment chooses one. */
export function useProfile(name: string): void {
  const file = readProfiles();
  getProfile(name, file);
  writeProfiles({ ...file, current: name });
}

/** Deletes a profile (and forgets it as the current one). */
export function deleteProfile(name: string): void {
  const file = readProfiles();
  getProfile(name, file);
  const { [name]: _deleted, ...profiles } = file.profiles;
  const { current, ...rest } = file;
  writeProfiles({ ...rest, ...(current === name ? {} : { current }), profiles });
}
