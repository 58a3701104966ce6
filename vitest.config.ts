import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["core-blocks", "integrations/*/vitest.config.ts", "test", "test-servers"],
  },
});
