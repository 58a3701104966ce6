// Preload (`node --import`) for tests that must prove a process never loads some modules (a cloud
// SDK): it registers a resolve hook that fails any import of a module whose specifier or resolved
// URL starts with one of the forbidden prefixes. `TESSERA_FORBIDDEN_MODULES` carries
// `{ "description": "the AWS SDK", "prefixes": ["@aws-sdk/"] }`; build it with
// `forbiddenModulesEnvironment()` from this package.
import { register } from "node:module";

const forbidden = JSON.parse(process.env.TESSERA_FORBIDDEN_MODULES ?? "null");
if (forbidden === null || !Array.isArray(forbidden.prefixes) || forbidden.prefixes.length === 0) {
  throw new Error("forbid-modules.mjs needs TESSERA_FORBIDDEN_MODULES with a list of prefixes.");
}
register(new URL("./forbid-modules-hooks.mjs", import.meta.url), { data: forbidden });
