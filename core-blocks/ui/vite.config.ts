import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The web UI, built into the package's dist/ui and served by `tessera server` at /ui/.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // One bundle for the whole app (React, the form library and AJV): about 200 kB gzipped.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // rjsf marks some modules "use client" for React Server Components; this is a client app.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
});
