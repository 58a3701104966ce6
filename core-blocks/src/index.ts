export * from "./block/index.js";
export * from "./errors/index.js";
export * from "./integration/index.js";
export * from "./results/index.js";
export * from "./schema/index.js";
export * from "./secret-block/index.js";
export * from "./secrets/index.js";
export * from "./store/index.js";
