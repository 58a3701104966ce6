import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * Snowflake refused or failed a statement. Carries Snowflake's error code, SQL state and query
 * id; never the bind values (which may be secrets) and never the credentials.
 */
export class SnowflakeQueryError extends TesseraError {
  static readonly code = "SNOWFLAKE_QUERY_FAILED";
  /** Snowflake's error code, such as `002003` (object does not exist). */
  readonly snowflakeCode: string | undefined;
  /** The SQL state, such as `42S02`. */
  readonly sqlState: string | undefined;
  /** The query id, to look the statement up in Snowflake's query history. */
  readonly queryId: string | undefined;

  constructor(
    details: {
      snowflakeCode?: string;
      sqlState?: string;
      queryId?: string;
      /** What Snowflake said. */
      reason: string;
    } & TesseraErrorOptions,
  ) {
    const tags = [
      details.snowflakeCode === undefined ? undefined : `code ${details.snowflakeCode}`,
      details.sqlState === undefined ? undefined : `SQL state ${details.sqlState}`,
      details.queryId === undefined ? undefined : `query id ${details.queryId}`,
    ].filter((tag) => tag !== undefined);
    super(
      SnowflakeQueryError.code,
      `Snowflake statement failed${tags.length === 0 ? "" : ` (${tags.join(", ")})`}: ${details.reason} ${details.advice ?? "Correct the statement, or look the query id up in Snowflake's query history."}`,
      details,
    );
    this.snowflakeCode = details.snowflakeCode;
    this.sqlState = details.sqlState;
    this.queryId = details.queryId;
  }

  static override isInstance(value: unknown): value is SnowflakeQueryError {
    return isTesseraErrorWithCode(value, SnowflakeQueryError.code);
  }
}
