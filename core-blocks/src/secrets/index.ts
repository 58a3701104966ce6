export {
  AesGcmSecretCipher,
  createSecretCipher,
  type MasterKey,
  masterKeyId,
} from "./aes-gcm-cipher.js";
export { getSecretCipher } from "./default-cipher.js";
export {
  isSealedSecret,
  type SealContext,
  type SealedSecret,
  type SecretCipher,
} from "./secret-cipher.js";
export type { ReadSecretOptions, SecretSource } from "./secret-source.js";
export { SECRET_MASK, type SecretOrigin, SecretValue } from "./secret-value.js";
