import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "snowflake",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The streaming test measures retained memory after collecting garbage.
    execArgv: ["--expose-gc"],
    // Every test file gets a temporary TESSERA_HOME, so nothing reaches the user's ~/.tessera.
    setupFiles: ["@tessera/test-servers/isolated-tessera-home"],
  },
});
