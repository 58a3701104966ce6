import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "slack",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Every test file gets a temporary TESSERA_HOME, so nothing reaches the user's ~/.tessera.
    setupFiles: ["@tessera/test-servers/isolated-tessera-home"],
  },
});
