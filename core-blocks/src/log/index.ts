export { logDebug, setDebugWriter } from "./debug-logger.js";
