/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv, type ProxyOptions } from "vite";

// The dev server proxies exactly like nginx/default.conf.template, so the app only ever
// talks to its own origin: /api/x -> gateway /x, /workload/x -> generator /x.
function stripPrefixProxy(target: string, prefix: string): ProxyOptions {
  return {
    target,
    changeOrigin: true,
    rewrite: (path) => path.slice(prefix.length) || "/",
  };
}

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, process.cwd(), ""), ...process.env };
  const apiUpstream = env.API_UPSTREAM || "http://127.0.0.1:8000";
  const workloadUpstream = env.WORKLOAD_UPSTREAM || "http://127.0.0.1:9000";
  return {
    plugins: [react()],
    server: {
      host: "127.0.0.1",
      port: Number(env.DEV_PORT || 5173),
      proxy: {
        "/api/": stripPrefixProxy(apiUpstream, "/api"),
        "/workload/": stripPrefixProxy(workloadUpstream, "/workload"),
      },
    },
    build: {
      // Keeps the nginx rule "/assets/ is hashed and immutable" true.
      assetsDir: "assets",
      sourcemap: false,
      chunkSizeWarningLimit: 800,
    },
    test: {
      environment: "jsdom",
      globals: true,
      setupFiles: ["./src/test/setup.ts"],
      include: ["src/**/*.test.{ts,tsx}"],
      restoreMocks: true,
      testTimeout: 20_000,
    },
  };
});
