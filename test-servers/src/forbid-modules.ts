/**
 * Proof that a process never loads a set of modules (a provider's SDK): child processes started
 * with `forbiddenModulesEnvironment()` fail on the first import whose specifier or resolved URL
 * starts with a forbidden prefix.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Modules a process must not load. */
export interface ForbiddenModules {
  /** How errors name them: `the AWS SDK`. */
  description: string;
  /** Specifier prefixes: `["@aws-sdk/", "@smithy/"]`. */
  prefixes: string[];
}

/** The AWS SDK, as the AWS integration's laziness tests forbid it. */
export const AWS_SDK_MODULES: ForbiddenModules = {
  description: "the AWS SDK",
  prefixes: ["@aws-sdk/"],
};

/** The Azure SDK (storage and identity), as the Azure integration's laziness tests forbid it. */
export const AZURE_SDK_MODULES: ForbiddenModules = {
  description: "the Azure SDK",
  prefixes: ["@azure/"],
};

/** The preload (`node --import=<this>`) that enforces `TESSERA_FORBIDDEN_MODULES`. */
export const forbidModulesPreload = fileURLToPath(new URL("./forbid-modules.mjs", import.meta.url));

/** Environment variables for a child process that must not load `forbidden`. */
export function forbiddenModulesEnvironment(forbidden: ForbiddenModules): {
  NODE_OPTIONS: string;
  TESSERA_FORBIDDEN_MODULES: string;
} {
  return {
    NODE_OPTIONS: `--import=${forbidModulesPreload}`,
    TESSERA_FORBIDDEN_MODULES: JSON.stringify(forbidden),
  };
}

/** What a child process that imported a module reported. */
export interface ImportOutcome {
  /** The child's exit status: 0 when the import loaded nothing forbidden. */
  status: number;
  stderr: string;
}

/**
 * Imports `specifier` in a fresh Node process (resolved from `cwd`) that may not load `forbidden`,
 * then runs `afterImport` (module code, `imported` bound to the namespace) when given. Status 0 proves
 * neither the import nor `afterImport` loaded a forbidden module.
 */
export function importWithoutModules(options: {
  specifier: string;
  forbidden: ForbiddenModules;
  cwd: string;
  afterImport?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ImportOutcome> {
  const script = `const imported = await import(${JSON.stringify(options.specifier)});\n${options.afterImport ?? ""}`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "--eval", script],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, ...forbiddenModulesEnvironment(options.forbidden) },
      },
      (error, _stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ status, stderr });
      },
    );
  });
}
