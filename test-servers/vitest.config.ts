import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@tessera/source"] },
  ssr: { resolve: { conditions: ["@tessera/source"] } },
  test: {
    name: "test-servers",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // s3rver pages listings with a DES cipher, which Node 20's OpenSSL 3 only offers through the
    // legacy provider.
    execArgv: ["--openssl-legacy-provider"],
  },
});
