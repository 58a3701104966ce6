export { InvalidSlugError } from "./invalid-slug-error.js";
export { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "./tessera-error.js";
