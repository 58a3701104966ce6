export {
  createServer,
  type ServerOptions,
  type TesseraServer,
} from "./create-server.js";
export { isLoopbackHost } from "./listen-policy.js";
