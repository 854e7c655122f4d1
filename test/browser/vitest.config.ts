// `npm run test:browser`: the end-to-end test in headless Debian chromium. Kept out of
// `npm test` because it needs the chromium package (CI installs it first, see .ci/run).

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    setupFiles: ['test/support/remove-bundles.ts'],
  },
});
