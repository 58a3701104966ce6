import { generateKeyPairSync } from "node:crypto";
import {
  type SnowflakeEmulator,
  type SnowflakeEmulatorOptions,
  startSnowflakeEmulator,
} from "@tessera/test-servers";
import { SnowflakeConnector, SnowflakeCredentials } from "../../src/index.js";

/** A key pair whose public half the emulator's LOADER user holds. */
const keyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const passphrase = "key-passphrase-7f3a";
export const encryptedKey = keyPair.privateKey
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase })
  .toString();
export const password = "loader-password-5c1e";
export const oauthToken = "oauth-token-9d2b";

/** Starts an emulator with the LOADER user reachable by password, key pair and OAuth. */
export function startEmulator(
  rowsPerChunk = 5000,
  options: SnowflakeEmulatorOptions = {},
): Promise<SnowflakeEmulator> {
  return startSnowflakeEmulator({
    ...options,
    account: "ACME",
    rowsPerChunk,
    users: {
      LOADER: {
        password,
        publicKey: keyPair.publicKey.export({ type: "spki", format: "pem" }).toString(),
        oauthToken,
      },
    },
  });
}

/** Password credentials for the emulator at `accessUrl`. */
function passwordCredentials(accessUrl: string): SnowflakeCredentials {
  return new SnowflakeCredentials({
    account: "acme",
    user: "loader",
    authenticator: "password",
    password,
    accessUrl,
  });
}

/** A connector on the emulator at `accessUrl`. */
export function connectorFor(accessUrl: string, fields: Record<string, unknown> = {}) {
  return new SnowflakeConnector({
    credentials: passwordCredentials(accessUrl),
    database: "ANALYTICS",
    warehouse: "LOAD_WH",
    ...fields,
  } as never);
}
