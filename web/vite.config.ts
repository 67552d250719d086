import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// The build goes into the Python package, which serves it on the API port
// (gls_engine/webui.py). `npm run dev` proxies the API to a running Studio.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "../python/gls_engine/webui_dist",
    emptyOutDir: true,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:6006", ws: true },
    },
  },
});
