export {
  createSecretCipher,
  masterKeyId,
  SEALED_VALUE_FORMAT_VERSION,
} from "./aes-gcm-cipher.js";
export { decryptDocumentDataKey, generateDataKeyInClear } from "./data-keys-in-clear.js";
export { forgetSecretCipher, getSecretCipher } from "./default-cipher.js";
export { givenSecretProblem } from "./given-secret-problem.js";
export { type KeyStatus, keyStatus, type MasterKeyStatus } from "./key-status.js";
export {
  ENCRYPTION_KEY_VARIABLE,
  keyFilePath,
  type MasterKeySource,
} from "./master-key-ring.js";
export { forgetSecrets, MIN_REDACTED_LENGTH, redact, rememberSecret } from "./redactor.js";
export {
  MAX_TEMPLATE_OUTPUT_BYTES,
  type ResolveTemplateOptions,
  resolveTemplate,
} from "./resolve-template.js";
export { type RotateKeysOptions, type RotateKeysResult, rotateKeys } from "./rotate-keys.js";
export {
  isSealedSecret,
  type SealContext,
  type SealedSecret,
  type SecretCipher,
} from "./secret-cipher.js";
export {
  clearSecretReferenceCache,
  configureSecretReferences,
  parseSecretReference,
  resolveSecretReference,
  type SecretReferenceSettings,
  secretReferencesIn,
  secretReferenceTargets,
} from "./secret-reference.js";
export type { ReadSecretOptions, SecretSource } from "./secret-source.js";
export { SECRET_MASK, type SecretOrigin, SecretValue } from "./secret-value.js";
export { isServerKeyedCipher } from "./server-data-key-cipher.js";
export { parseTemplate } from "./template-parser.js";
