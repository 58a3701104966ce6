export { DEBUG_VARIABLE, isDebugEnabled, logDebug, setDebugWriter } from "./debug-logger.js";
