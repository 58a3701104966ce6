export { Secret } from "./secret-block.js";
