import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "aws",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
