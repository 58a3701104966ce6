import { existsSync } from "node:fs";
import { inspect } from "node:util";
import type { SnowflakeEmulator } from "@tessera/test-servers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SnowflakeConnector, SnowflakeCredentials } from "../src/index.js";
import { encryptedKey, passphrase, password, startEmulator } from "./support/emulator.js";

let emulator: SnowflakeEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

/** Pieces of each secret that must never appear anywhere a user or a log can see. */
const secrets = [password, passphrase, encryptedKey.split("\n")[3] as string, "wrong-pw-61d0"];

describe("leak sweep", () => {
  it("never shows the password, the private key or its passphrase in output, errors, JSON or inspection", async () => {
    const seen: string[] = [];
    const capture = (chunk: unknown) => {
      seen.push(String(chunk));
      return true;
    };
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const logs = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        seen.push(args.map((arg) => inspect(arg)).join(" "));
      }),
    );
    try {
      const keyPair = new SnowflakeConnector({
        credentials: new SnowflakeCredentials({
          account: "acme",
          user: "loader",
          authenticator: "key-pair",
          privateKey: encryptedKey,
          privateKeyPassphrase: passphrase,
          accessUrl: emulator.endpoint,
        }),
      });
      await keyPair.save("leak-key");
      const loaded = await SnowflakeConnector.load("leak-key");
      await loaded.query("SELECT 1 AS one");
      const failures: unknown[] = [
        await loaded.query("SELECT * FROM nowhere WHERE x = ?", [passphrase]).catch((e) => e),
        await new SnowflakeConnector({
          credentials: new SnowflakeCredentials({
            account: "acme",
            user: "loader",
            authenticator: "password",
            password: "wrong-pw-61d0",
            accessUrl: emulator.endpoint,
          }),
        })
          .query("SELECT 1")
          .catch((e) => e),
        await new SnowflakeConnector({
          credentials: new SnowflakeCredentials({
            account: "acme",
            user: "loader",
            authenticator: "password",
            password,
            accessUrl: emulator.endpoint,
          }),
        })
          .execute("INSERT INTO nowhere VALUES (?)", [password])
          .catch((e) => e),
      ];
      for (const failure of failures) {
        seen.push(String(failure), inspect(failure, { depth: 8 }), JSON.stringify(failure));
        seen.push(String((failure as Error).stack));
      }
      seen.push(JSON.stringify(loaded), inspect(loaded, { depth: 8 }), String(loaded.credentials));
      await loaded.close();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      for (const log of logs) log.mockRestore();
    }
    const everything = seen.join("\n");
    expect(everything).toContain("SNOWFLAKE_QUERY_FAILED");
    expect(everything).toContain("SNOWFLAKE_CONNECTION_FAILED");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // The driver's own logger, which would write snowflake.log into the working directory, is off.
    expect(existsSync("snowflake.log")).toBe(false);
  });
});
