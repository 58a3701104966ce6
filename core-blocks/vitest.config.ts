import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    // Every test file gets a temporary HOME and TESSERA_HOME; see the file for why.
    setupFiles: ["./test/isolated-home.ts"],
  },
});
