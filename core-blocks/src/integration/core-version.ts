import packageJson from "../../package.json" with { type: "json" };

/** The version of this `@tessera/core`, read from its package.json (never a second literal). */
export const coreVersion: string = packageJson.version;
