import { defineBlock, type SaveBlockOptions, SecretValue, secret, z } from "@tessera/core";
import { SnowflakePrivateKeyError } from "./errors/index.js";
import { loadSnowflakeSdk } from "./lazy-sdk.js";
import { normalizePrivateKey } from "./private-key.js";

/** How a `snowflake-credentials` block authenticates, and the fields each way needs. */
const modes = {
  password: ["password"],
  "key-pair": ["privateKey", "privateKeyPassphrase"],
  oauth: ["token"],
} as const;

/** The secret fields each way requires. */
const required = {
  password: ["password"],
  "key-pair": ["privateKey"],
  oauth: ["token"],
} as const;

type Authenticator = keyof typeof modes;
type ModeField = (typeof modes)[Authenticator][number];

const allModeFields = Object.values(modes).flat() as ModeField[];

const snowflakeCredentialsSchema = z
  .object({
    /**
     * Account identifier: `<orgname>-<account_name>`, or the locator with its region
     * (`xy12345.eu-west-1`).
     */
    account: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits and the characters _ . - (no https:// or host)"),
    /** Login name of the Snowflake user. */
    user: z.string().min(1),
    /** Role the session uses. @default undefined (the user's default role) */
    role: z.string().min(1).optional(),
    /**
     * How to authenticate, an explicit choice: `password` (needs `password`), `key-pair`
     * (needs `privateKey`, and `privateKeyPassphrase` when the key is encrypted) or `oauth`
     * (needs `token`). Fields of another way are refused.
     */
    authenticator: z.enum(["password", "key-pair", "oauth"]),
    /** Password of `password` authentication. Encrypted at rest. @default undefined */
    password: secret().optional(),
    /**
     * RSA private key of `key-pair` authentication: a PEM block (its newlines may have been lost
     * on the way, they are restored) or the base64 of a DER key. Checked and stored as PEM on
     * save; a PKCS#1 key is stored as PKCS#8. Encrypted at rest. @default undefined
     */
    privateKey: secret().optional(),
    /** Passphrase of an encrypted `privateKey`. Encrypted at rest. @default undefined */
    privateKeyPassphrase: secret().optional(),
    /** OAuth access token of `oauth` authentication. Encrypted at rest. @default undefined */
    token: secret().optional(),
    /**
     * Where the driver connects, for private connectivity or an emulator.
     * @default undefined (`https://<account>.snowflakecomputing.com`)
     */
    accessUrl: z.url().optional(),
  })
  .superRefine((fields, context) => {
    const mode = fields.authenticator;
    for (const name of required[mode]) {
      if (fields[name] === undefined) {
        context.addIssue({
          code: "custom",
          path: [name],
          message: `authenticator "${mode}" needs ${name}`,
        });
      }
    }
    const foreign = allModeFields.filter(
      (name) => fields[name] !== undefined && !(modes[mode] as readonly string[]).includes(name),
    );
    for (const name of foreign) {
      context.addIssue({
        code: "custom",
        path: [name],
        message: `authenticator "${mode}" does not use ${foreign.join(", ")}: remove ${foreign.length === 1 ? "it" : "them"}, or choose the authenticator ${foreign.length === 1 ? "it belongs" : "they belong"} to`,
      });
    }
  });

/** The fields of a `snowflake-credentials` block, as parsed. */
export type SnowflakeCredentialsFields = z.output<typeof snowflakeCredentialsSchema>;

/** The options `snowflake-sdk`'s `createConnection` takes from credentials. */
export type SnowflakeConnectionOptions = Record<string, unknown> & {
  account: string;
  username: string;
};

/** A plain key and passphrase given as strings are normalised before validation. */
function normalizeInput(input: unknown): unknown {
  // Called with nothing when a stored document is loaded (its fields were checked at save).
  if (typeof input !== "object" || input === null) return input;
  const fields = input as Record<string, unknown>;
  if (typeof fields.privateKey !== "string") return input;
  const passphrase =
    typeof fields.privateKeyPassphrase === "string" ? fields.privateKeyPassphrase : undefined;
  if (fields.privateKeyPassphrase !== undefined && passphrase === undefined) {
    // A passphrase held elsewhere (a reference) is checked at save, when it can be revealed.
    return input;
  }
  return { ...fields, privateKey: normalizePrivateKey(fields.privateKey, passphrase).pem };
}

async function revealed(value: SecretValue | undefined): Promise<string | undefined> {
  if (value === undefined || value.origin.kind === "keep") return undefined;
  const plaintext = await value.reveal();
  return typeof plaintext === "string" ? plaintext : undefined;
}

/**
 * `snowflake-credentials`: who connects to Snowflake, and how. The way to authenticate is an
 * explicit choice (`authenticator`); the secrets of each way are secret fields, encrypted at
 * rest and never printed.
 *
 * ```ts
 * const credentials = new SnowflakeCredentials({
 *   account: "myorg-analytics", user: "LOADER", authenticator: "key-pair",
 *   privateKey: pem, privateKeyPassphrase: passphrase,
 * });
 * ```
 *
 * A private key is checked with node:crypto when the block is built and again when it is saved:
 * one that cannot work is a `SNOWFLAKE_INVALID_PRIVATE_KEY` error naming the problem.
 */
export class SnowflakeCredentials extends defineBlock({
  type: "snowflake-credentials",
  title: "Snowflake credentials",
  description:
    "Account, user and role for Snowflake, with password, key-pair or OAuth authentication.",
  documentationUrl: "https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver",
  schema: snowflakeCredentialsSchema,
}) {
  constructor(input: z.input<typeof snowflakeCredentialsSchema>) {
    super(normalizeInput(input) as typeof input);
  }

  /**
   * Checks the key pair (the key may have been assigned, or be a reference, since the block was
   * built), stores the normalised key, then saves.
   */
  override async save(name?: string, options?: SaveBlockOptions): Promise<this> {
    await this.checkKeyPair();
    return super.save(name, options);
  }

  /**
   * Reads `privateKey` with `privateKeyPassphrase` as the driver will, and keeps the normalised
   * PEM of a key given in clear. Nothing to do for other authenticators or a kept stored key.
   * @throws SnowflakePrivateKeyError naming the problem.
   */
  async checkKeyPair(): Promise<void> {
    if (this.authenticator !== "key-pair" || this.privateKey === undefined) return;
    if (this.privateKey.origin.kind === "keep") return;
    const key = await revealed(this.privateKey);
    if (key === undefined) throw new SnowflakePrivateKeyError({ problem: "not-a-key" });
    const normalized = normalizePrivateKey(key, await revealed(this.privateKeyPassphrase));
    if (normalized.pem !== key && this.privateKey.origin.kind === "value") {
      this.privateKey = SecretValue.from(normalized.pem);
    }
  }

  /**
   * The options of `snowflake-sdk`'s `createConnection` for these credentials, secrets revealed
   * (only in memory). Give them to the driver directly to use it without Tessera.
   */
  async connectionOptions(): Promise<SnowflakeConnectionOptions> {
    const options: SnowflakeConnectionOptions = {
      account: this.account,
      username: this.user,
      ...(this.role === undefined ? {} : { role: this.role }),
      ...(this.accessUrl === undefined ? {} : { accessUrl: this.accessUrl.replace(/\/+$/, "") }),
    };
    switch (this.authenticator) {
      case "password":
        options.authenticator = "SNOWFLAKE";
        options.password = await revealed(this.password);
        break;
      case "key-pair": {
        const key = await revealed(this.privateKey);
        const passphrase = await revealed(this.privateKeyPassphrase);
        if (key === undefined) throw new SnowflakePrivateKeyError({ problem: "not-a-key" });
        options.authenticator = "SNOWFLAKE_JWT";
        options.privateKey = normalizePrivateKey(key, passphrase).pem;
        if (passphrase !== undefined) options.privateKeyPass = passphrase;
        break;
      }
      case "oauth":
        options.authenticator = "OAUTH";
        options.token = await revealed(this.token);
        break;
    }
    return options;
  }

  /**
   * A connected `snowflake-sdk` connection made with these credentials (imports the driver on
   * first use), for code that wants the driver itself. `options` add to or override the
   * connection options (`database`, `warehouse`, `clientSessionKeepAlive`, …). The caller
   * destroys it.
   */
  async connect(
    options: Record<string, unknown> = {},
  ): Promise<import("snowflake-sdk").Connection> {
    const sdk = await loadSnowflakeSdk();
    const connection = sdk.createConnection({
      application: "Tessera",
      ...(await this.connectionOptions()),
      ...options,
    } as import("snowflake-sdk").ConnectionOptions);
    // connectAsync resolves even when the login fails; connect's callback hears the failure.
    return new Promise((resolve, reject) => {
      connection.connect((error) => (error ? reject(error) : resolve(connection)));
    });
  }
}
