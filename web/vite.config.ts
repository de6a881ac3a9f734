import { defineConfig } from "vitest/config";

// The orchestrator's gRPC-Web port (LocalInstallation.DefaultWebPort); override for `./devserver up --web-port N`.
const orchestrator = process.env.DEVSERVER_WEB_URL ?? `http://127.0.0.1:${process.env.DEVSERVER_WEB_PORT ?? "5181"}`;

export default defineConfig({
  // Served by the orchestrator from the same origin, so relative asset paths keep working under any prefix.
  base: "./",
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  server: {
    // gRPC-Web calls are POSTs to /<package>.<Service>/<Method>: forwarding them keeps the page and the API on
    // one origin in development too, so the orchestrator needs no CORS for `npm run dev`.
    proxy: {
      "^/(devserver\\.|grpc\\.health\\.)": {
        target: orchestrator,
        changeOrigin: true,
        configure: (proxy) => {
          // Node sends a proxied response's headers only with its first body bytes; a quiet event stream would
          // then look unanswered. The orchestrator flushes its headers at once: pass them on at once too. (The
          // proxy copies the headers right after this event, so flush on the next turn.)
          proxy.on("proxyRes", (_proxyRes, _req, res) => {
            setImmediate(() => {
              if (!res.headersSent) {
                res.flushHeaders();
              }
            });
          });
        },
      },
    },
  },
  test: {
    // Logic runs in Node; components (*.test.tsx) render into happy-dom, a DOM without a browser.
    projects: [
      { extends: true, test: { name: "logic", include: ["src/**/*.test.ts"], environment: "node" } },
      { extends: true, test: { name: "components", include: ["src/**/*.test.tsx"], environment: "happy-dom" } },
    ],
  },
  build: {
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
});
