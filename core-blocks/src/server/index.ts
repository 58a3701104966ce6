export {
  type ApiTokenRecord,
  type ApiTokenScope,
  type CreateApiTokenOptions,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from "./api-tokens.js";
export {
  createServer,
  type ServerOptions,
  type TesseraServer,
} from "./create-server.js";
export { isLoopbackHost } from "./listen-policy.js";
