export { SnowflakeConnectionError } from "./snowflake-connection-error.js";
export {
  type PrivateKeyProblem,
  SnowflakePrivateKeyError,
} from "./snowflake-private-key-error.js";
export { SnowflakeQueryError } from "./snowflake-query-error.js";
