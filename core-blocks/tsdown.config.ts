import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/provider/index.ts", "src/testing/index.ts", "src/cli/bin.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  fixedExtension: false,
  unbundle: false,
});
