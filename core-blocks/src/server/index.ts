export {
  type ApiTokenRecord,
  type ApiTokenScope,
  createApiToken,
} from "./api-tokens.js";
export {
  createServer,
  type ServerOptions,
  type TesseraServer,
} from "./create-server.js";
export { isLoopbackHost } from "./listen-policy.js";
