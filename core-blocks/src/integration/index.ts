export { isCoreVersionInRange } from "./compatibility.js";
export { describeDuplicateCores, duplicateCores } from "./core-copies.js";
export { coreVersion } from "./core-version.js";
export { defineIntegration } from "./define-integration.js";
export {
  type IntegrationDefinition,
  type IntegrationManifest,
  isIntegrationManifest,
} from "./integration-manifest.js";
export { type IntegrationStatus, listIntegrations } from "./loaded-integrations.js";
export {
  type RegisteredModule,
  type RegisterOptions,
  registerIntegration,
  registerModule,
} from "./register-integration.js";
