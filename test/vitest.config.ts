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
    // s3rver (started by @tessera/test-servers) pages listings with a DES cipher, which Node 20's
    // OpenSSL 3 only offers through the legacy provider.
    execArgv: ["--openssl-legacy-provider"],
    // Every test file gets a temporary TESSERA_HOME; see the file for why.
    setupFiles: ["@tessera/test-servers/isolated-tessera-home"],
  },
});
