// Preload (`node --import`) for tests that must prove a process never loads the AWS SDK: it
// registers a resolve hook that fails any import of an `@aws-sdk/*` module.
import { register } from "node:module";

register(new URL("./forbid-aws-sdk-hooks.mjs", import.meta.url));
