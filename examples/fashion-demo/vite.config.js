// `npm run demo`: Vite serves examples/ (so the models in ../fashion-mnist are inside the
// project root, as the fusegraph plugin requires) with the fusegraph plugin, which compiles
// each `?target=` import of the model; the page is /fashion-demo/.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import fusegraph from 'fusegraph/vite';

const examples = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: examples,
  plugins: [fusegraph()],
  server: { host: '127.0.0.1', port: 5173, open: '/fashion-demo/' },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: { input: fileURLToPath(new URL('./index.html', import.meta.url)) },
  },
});
