import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The orchestrator serves the built dashboard at /ui/ and the API at the root, so in
// development the dev server forwards the API paths to a locally running orchestrator.
const api = process.env.WOO_API_URL ?? "http://127.0.0.1:8000";
const apiPaths = ["/stores", "/config", "/healthz", "/readyz", "/whoami", "/tokens", "/audit"];

export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  server: {
    port: 3000,
    strictPort: true,
    proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: true }])),
  },
  build: {
    outDir: "dist",
    sourcemap: true,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
