export type { ReadSecretOptions, SecretSource } from "./secret-source.js";
export { SECRET_MASK, type SecretOrigin, SecretValue } from "./secret-value.js";
