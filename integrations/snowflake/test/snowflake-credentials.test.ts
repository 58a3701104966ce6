import { generateKeyPairSync } from "node:crypto";
import { SecretValue, ValidationFailedError } from "@tessera/core";
import { errorOf, thrownBy } from "@tessera/test-servers";
import { describe, expect, it } from "vitest";
import {
  type PrivateKeyProblem,
  SnowflakeCredentials,
  SnowflakePrivateKeyError,
} from "../src/index.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs8 = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const pkcs1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const pkcs8Der = rsa.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
const pkcs1Der = rsa.privateKey.export({ type: "pkcs1", format: "der" }).toString("base64");
const passphrase = "correct horse battery staple";
const encrypted = rsa.privateKey
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase })
  .toString();
const encryptedDer = rsa.privateKey
  .export({ type: "pkcs8", format: "der", cipher: "aes-256-cbc", passphrase })
  .toString("base64");
const legacyEncrypted = rsa.privateKey
  .export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase })
  .toString();
const publicKey = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

const base = { account: "myorg-analytics", user: "LOADER" };

async function storedKey(credentials: SnowflakeCredentials): Promise<string | undefined> {
  return (await credentials.connectionOptions()).privateKey as string | undefined;
}

describe("SnowflakeCredentials authentication modes", () => {
  const accepted: {
    name: string;
    fields: Record<string, unknown>;
    expected: Record<string, unknown>;
  }[] = [
    {
      name: "password",
      fields: { authenticator: "password", password: "pw-secret-1" },
      expected: { authenticator: "SNOWFLAKE", password: "pw-secret-1" },
    },
    {
      name: "key pair with an unencrypted PKCS#8 PEM",
      fields: { authenticator: "key-pair", privateKey: pkcs8 },
      expected: { authenticator: "SNOWFLAKE_JWT", privateKey: pkcs8 },
    },
    {
      name: "key pair with an encrypted key and its passphrase",
      fields: {
        authenticator: "key-pair",
        privateKey: encrypted,
        privateKeyPassphrase: passphrase,
      },
      expected: {
        authenticator: "SNOWFLAKE_JWT",
        privateKey: encrypted,
        privateKeyPass: passphrase,
      },
    },
    {
      name: "OAuth token",
      fields: { authenticator: "oauth", token: "oauth-secret-token" },
      expected: { authenticator: "OAUTH", token: "oauth-secret-token" },
    },
  ];
  for (const { name, fields, expected } of accepted) {
    it(`accepts ${name} and gives the driver exactly that mode's options`, async () => {
      const credentials = new SnowflakeCredentials({ ...base, role: "ETL", ...fields } as never);
      const options = await credentials.connectionOptions();
      expect(options).toEqual({
        account: "myorg-analytics",
        username: "LOADER",
        role: "ETL",
        ...expected,
      });
    });
  }

  const refused: {
    name: string;
    fields: Record<string, unknown>;
    paths: string[];
    words: RegExp;
  }[] = [
    {
      name: "password mode without a password",
      fields: { authenticator: "password" },
      paths: ["password"],
      words: /needs password/,
    },
    {
      name: "key-pair mode without a key",
      fields: { authenticator: "key-pair" },
      paths: ["privateKey"],
      words: /needs privateKey/,
    },
    {
      name: "OAuth mode without a token",
      fields: { authenticator: "oauth" },
      paths: ["token"],
      words: /needs token/,
    },
    {
      name: "a password given with a private key",
      fields: { authenticator: "password", password: "pw", privateKey: pkcs8 },
      paths: ["privateKey"],
      words: /does not use privateKey/,
    },
    {
      name: "a key pair given with a password and a token",
      fields: { authenticator: "key-pair", privateKey: pkcs8, password: "pw", token: "t" },
      paths: ["password", "token"],
      words: /does not use password, token/,
    },
    {
      name: "an OAuth token with a key passphrase",
      fields: { authenticator: "oauth", token: "t", privateKeyPassphrase: "p" },
      paths: ["privateKeyPassphrase"],
      words: /does not use privateKeyPassphrase/,
    },
    {
      name: "no authenticator at all",
      fields: { password: "pw" },
      paths: ["authenticator"],
      words: /./,
    },
  ];
  for (const { name, fields, paths, words } of refused) {
    it(`refuses ${name}, naming the fields`, async () => {
      const error = await thrownBy(
        async () => new SnowflakeCredentials({ ...base, ...fields } as never),
      );
      expect(ValidationFailedError.isInstance(error)).toBe(true);
      const problems = (error as ValidationFailedError).problems;
      expect(problems.map((problem) => problem.path).sort()).toEqual(paths);
      expect(problems.map((problem) => problem.message).join("\n")).toMatch(words);
      expect((error as Error).message).not.toMatch(/pw|BEGIN/);
    });
  }
});

describe("SnowflakeCredentials private keys", () => {
  const normalised: { name: string; key: string; passphrase?: string; expected: string }[] = [
    {
      name: "a PKCS#8 PEM whose newlines were lost",
      key: pkcs8.replace(/\n/g, ""),
      expected: pkcs8,
    },
    {
      name: "a PKCS#8 PEM whose newlines became spaces",
      key: pkcs8.replace(/\n/g, " "),
      expected: pkcs8,
    },
    {
      name: "a PKCS#8 PEM with Windows line ends",
      key: pkcs8.replace(/\n/g, "\r\n"),
      expected: pkcs8,
    },
    { name: "base64 DER of a PKCS#8 key", key: pkcs8Der, expected: pkcs8 },
    { name: "a PKCS#1 PEM, converted to PKCS#8", key: pkcs1, expected: pkcs8 },
    { name: "base64 DER of a PKCS#1 key, converted to PKCS#8", key: pkcs1Der, expected: pkcs8 },
    {
      name: "an encrypted PKCS#8 PEM whose newlines were lost, kept encrypted",
      key: encrypted.replace(/\n/g, ""),
      passphrase,
      expected: encrypted,
    },
    {
      name: "base64 DER of an encrypted PKCS#8 key, kept encrypted",
      key: encryptedDer,
      passphrase,
      expected: `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${encryptedDer.match(/.{1,64}/g)?.join("\n")}\n-----END ENCRYPTED PRIVATE KEY-----\n`,
    },
  ];
  for (const { name, key, passphrase: given, expected } of normalised) {
    it(`accepts ${name} and stores a well-formed PEM`, async () => {
      const credentials = new SnowflakeCredentials({
        ...base,
        authenticator: "key-pair",
        privateKey: key,
        ...(given === undefined ? {} : { privateKeyPassphrase: given }),
      });
      expect(await credentials.privateKey?.reveal()).toBe(expected);
      expect(await storedKey(credentials)).toBe(expected);
    });
  }

  const bad: {
    name: string;
    key: string;
    passphrase?: string;
    problem: PrivateKeyProblem;
    words: RegExp;
  }[] = [
    {
      name: "an encrypted key without a passphrase",
      key: encrypted,
      problem: "encrypted-without-passphrase",
      words: /encrypted PKCS#8 .*no privateKeyPassphrase/,
    },
    {
      name: "an encrypted key with the wrong passphrase",
      key: encrypted,
      passphrase: "wrong",
      problem: "wrong-passphrase",
      words: /does not decrypt/,
    },
    {
      name: "a PKCS#1 key encrypted with OpenSSL's legacy scheme",
      key: legacyEncrypted,
      passphrase,
      problem: "pkcs1-encrypted",
      words: /PKCS#1 .*Convert it to encrypted PKCS#8/,
    },
    {
      name: "a passphrase for an unencrypted key",
      key: pkcs8,
      passphrase,
      problem: "passphrase-without-encryption",
      words: /not encrypted/,
    },
    { name: "a public key", key: publicKey, problem: "public-key", words: /public key/ },
    { name: "an EC key", key: ecKey, problem: "not-rsa", words: /not an RSA key/ },
    {
      name: "text that is not a key",
      key: "hunter2",
      problem: "not-a-key",
      words: /not a private key/,
    },
    {
      name: "a PEM frame around damaged base64",
      key: `${pkcs8.slice(0, 400)}\n-----END PRIVATE KEY-----`,
      problem: "not-a-key",
      words: /not a private key/,
    },
  ];
  for (const { name, key, passphrase: given, problem, words } of bad) {
    it(`refuses ${name} with a coded error naming the problem and not the key`, async () => {
      const error = await thrownBy(
        async () =>
          new SnowflakeCredentials({
            ...base,
            authenticator: "key-pair",
            privateKey: key,
            ...(given === undefined ? {} : { privateKeyPassphrase: given }),
          }),
      );
      expect(SnowflakePrivateKeyError.isInstance(error)).toBe(true);
      expect((error as SnowflakePrivateKeyError).code).toBe("SNOWFLAKE_INVALID_PRIVATE_KEY");
      expect((error as SnowflakePrivateKeyError).problem).toBe(problem);
      expect((error as Error).message).toMatch(words);
      if (key.length > 80) expect((error as Error).message).not.toContain(key.slice(40, 80));
      if (given !== undefined) expect((error as Error).message).not.toContain(given);
    });
  }

  it("checks again at save a key assigned after the block was built", async () => {
    const credentials = new SnowflakeCredentials({
      ...base,
      authenticator: "key-pair",
      privateKey: pkcs8,
    });
    credentials.privateKey = SecretValue.from(encrypted);
    const error = await errorOf(() => credentials.save("late-key"));
    expect(SnowflakePrivateKeyError.isInstance(error)).toBe(true);
    expect((error as SnowflakePrivateKeyError).problem).toBe("encrypted-without-passphrase");
    await expect(SnowflakeCredentials.load("late-key")).rejects.toThrow(/late-key/);
  });

  it("saves a key with lost newlines and loads it back as the normalised PEM", async () => {
    await new SnowflakeCredentials({
      ...base,
      authenticator: "key-pair",
      privateKey: encrypted.replace(/\n/g, ""),
      privateKeyPassphrase: passphrase,
    }).save("pasted");
    const loaded = await SnowflakeCredentials.load("pasted");
    expect(await loaded.privateKey?.reveal()).toBe(encrypted);
    expect(await loaded.privateKeyPassphrase?.reveal()).toBe(passphrase);
    expect(JSON.stringify(loaded)).not.toContain(passphrase);
    expect(JSON.stringify(loaded)).not.toContain(encrypted.slice(40, 80));
  });
});
