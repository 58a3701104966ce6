import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "fixtures/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
