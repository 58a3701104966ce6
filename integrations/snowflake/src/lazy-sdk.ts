/**
 * snowflake-sdk, imported when a method first needs it. Importing `@tessera/snowflake` to read,
 * save or list blocks loads none of its modules; the first connection does, once per process.
 * Every import of the SDK in this package goes through this file. The driver's own logger is
 * turned off: by default it writes `snowflake.log` into the working directory, and its errors
 * reach callers as coded errors anyway.
 */

/** `snowflake-sdk`. */
export type SnowflakeSdk = typeof import("snowflake-sdk");

let sdk: Promise<SnowflakeSdk> | undefined;

/** Imports `snowflake-sdk` on first call. */
export function loadSnowflakeSdk(): Promise<SnowflakeSdk> {
  sdk ??= import("snowflake-sdk").then((module) => {
    const loaded = ((module as { default?: SnowflakeSdk }).default ?? module) as SnowflakeSdk;
    loaded.configure({ logLevel: "OFF" });
    return loaded;
  });
  return sdk;
}
