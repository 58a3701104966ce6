export { isSecretBytes, Secret, type SecretBytes } from "./secret-block.js";
