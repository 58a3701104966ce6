import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * Connecting to Snowflake failed: the login was refused (`390100` wrong password, `390144`
 * invalid JWT, `390303` invalid OAuth token) or Snowflake could not be reached. Names the account
 * and user, never a secret.
 */
export class SnowflakeConnectionError extends TesseraError {
  static readonly code = "SNOWFLAKE_CONNECTION_FAILED";
  readonly account: string;
  readonly user: string;
  /** Snowflake's error code, when Snowflake answered. */
  readonly snowflakeCode: string | undefined;

  constructor(
    details: {
      account: string;
      user: string;
      snowflakeCode?: string;
      reason: string;
    } & TesseraErrorOptions,
  ) {
    super(
      SnowflakeConnectionError.code,
      `Could not connect to Snowflake account "${details.account}" as "${details.user}"${details.snowflakeCode === undefined ? "" : ` (code ${details.snowflakeCode})`}: ${details.reason} ${details.advice ?? "Check the snowflake-credentials block (account, user, authenticator and its secret) and the network."}`,
      details,
    );
    this.account = details.account;
    this.user = details.user;
    this.snowflakeCode = details.snowflakeCode;
  }

  static override isInstance(value: unknown): value is SnowflakeConnectionError {
    return isTesseraErrorWithCode(value, SnowflakeConnectionError.code);
  }
}
