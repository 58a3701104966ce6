export { GcpServiceAccountFileError } from "./gcp-service-account-file-error.js";
