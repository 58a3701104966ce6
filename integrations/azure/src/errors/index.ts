export { AzureAuthorizationError } from "./azure-authorization-error.js";
export { AzureContainerNotFoundError } from "./azure-container-not-found-error.js";
export { AzureCredentialsInvalidError } from "./azure-credentials-invalid-error.js";
export { AzureRequestError } from "./azure-request-error.js";
