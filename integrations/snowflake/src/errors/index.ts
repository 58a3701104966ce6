export {
  type PrivateKeyProblem,
  SnowflakePrivateKeyError,
} from "./snowflake-private-key-error.js";
