/**
 * snowflake-sdk, imported when a method first needs it. Importing `@tessera/snowflake` to read,
 * save or list blocks loads none of its modules; the first connection does, once per process.
 * Every import of the SDK in this package goes through this file.
 */

/** `snowflake-sdk`. */
export type SnowflakeSdk = typeof import("snowflake-sdk");

let sdk: Promise<SnowflakeSdk> | undefined;

/** Imports `snowflake-sdk` on first call, with its own logging turned down to errors. */
export function loadSnowflakeSdk(): Promise<SnowflakeSdk> {
  sdk ??= import("snowflake-sdk").then((module) => {
    const loaded = ((module as { default?: SnowflakeSdk }).default ?? module) as SnowflakeSdk;
    loaded.configure({ logLevel: "ERROR", additionalLogToConsole: false });
    return loaded;
  });
  return sdk;
}
