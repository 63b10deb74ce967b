// Builds the single-page app into dist/, which the kafkascope-server crate
// embeds. `npm run dev` serves it with hot reload and sends API calls to a
// `kafkascope serve` on its default address.
import { defineConfig } from "vite";

const api = process.env.KAFKASCOPE_URL ?? "http://127.0.0.1:9308";

export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": api, "/metrics": api },
  },
});
