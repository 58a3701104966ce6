export { BlockExistsError } from "./block-exists-error.js";
export { BlockNotFoundError } from "./block-not-found-error.js";
export { BlockReferencedError } from "./block-referenced-error.js";
export { DatabaseUnavailableError } from "./database-unavailable-error.js";
export { DecryptionFailedError, type DecryptionFailureReason } from "./decryption-failed-error.js";
export { DocumentTooLargeError } from "./document-too-large-error.js";
export { DriverNotInstalledError } from "./driver-not-installed-error.js";
export { type CoreCopy, DuplicateCoreError } from "./duplicate-core-error.js";
export { FileNotFoundError } from "./file-not-found-error.js";
export { ForbiddenError } from "./forbidden-error.js";
export { IncompatibleIntegrationError } from "./incompatible-integration-error.js";
export { IntegrationNotFoundError } from "./integration-not-found-error.js";
export { IntegrationTooOldError } from "./integration-too-old-error.js";
export { InterruptedError } from "./interrupted-error.js";
export { InvalidBlockDefinitionError } from "./invalid-block-definition-error.js";
export { InvalidInputError } from "./invalid-input-error.js";
export { InvalidIntegrationError } from "./invalid-integration-error.js";
export { InvalidKeyError } from "./invalid-key-error.js";
export { InvalidProjectConfigError } from "./invalid-project-config-error.js";
export { InvalidResultStorageError } from "./invalid-result-storage-error.js";
export { InvalidSlugError } from "./invalid-slug-error.js";
export { KeyFileBusyError } from "./key-file-busy-error.js";
export { KeyFileChangedError } from "./key-file-changed-error.js";
export { KeyFilePermissionsError } from "./key-file-permissions-error.js";
export { KeyFileUnsafeError } from "./key-file-unsafe-error.js";
export { KeySourceReadOnlyError } from "./key-source-read-only-error.js";
export { MaskedSecretError } from "./masked-secret-error.js";
export { MasterKeyNotCurrentError } from "./master-key-not-current-error.js";
export { NestingTooDeepError } from "./nesting-too-deep-error.js";
export { NotificationCancelledError } from "./notification-cancelled-error.js";
export { NotificationFailedError } from "./notification-failed-error.js";
export { NotificationRateLimitedError } from "./notification-rate-limited-error.js";
export { NotificationTimeoutError } from "./notification-timeout-error.js";
export { PathConflictError } from "./path-conflict-error.js";
export { PathOutsideBaseError } from "./path-outside-base-error.js";
export { ReferenceCycleError } from "./reference-cycle-error.js";
export { ReferenceNotFoundError } from "./reference-not-found-error.js";
export { ResultCorruptedError } from "./result-corrupted-error.js";
export { ResultNotFoundError } from "./result-not-found-error.js";
export { RevisionConflictError } from "./revision-conflict-error.js";
export { SchemaMismatchError } from "./schema-mismatch-error.js";
export { SchemaTooNewError } from "./schema-too-new-error.js";
export { SecretReferenceError } from "./secret-reference-error.js";
export { SerializationFailedError } from "./serialization-failed-error.js";
export { StoreBusyError } from "./store-busy-error.js";
export { StoreClosedError } from "./store-closed-error.js";
export {
  type StoreContentCounts,
  StoreCopyMismatchError,
} from "./store-copy-mismatch-error.js";
export { StoreCorruptedError } from "./store-corrupted-error.js";
export { StoreNotSupportedError } from "./store-not-supported-error.js";
export { StoreReadOnlyError } from "./store-read-only-error.js";
export { StoreTooNewError } from "./store-too-new-error.js";
export { StoreUnavailableError } from "./store-unavailable-error.js";
export { StoreWriteFailedError } from "./store-write-failed-error.js";
export { TemplateError } from "./template-error.js";
export { TemplateTooLargeError } from "./template-too-large-error.js";
export { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";
export { UnauthenticatedError } from "./unauthenticated-error.js";
export { UnknownBlockTypeError } from "./unknown-block-type-error.js";
export { UnknownSerializerError } from "./unknown-serializer-error.js";
export {
  ValidationFailedError,
  type ValidationProblem,
} from "./validation-failed-error.js";
