// A vitest setup file: after each test file, the bundles and temporary folders it wrote to the
// temp folder go.
import { afterAll } from 'vitest';
import { removeWrittenBundles } from '../codegen/js/load-bundle.ts';
import { removeTempDirs } from './temp-dir.ts';

afterAll(() => {
  removeWrittenBundles();
  removeTempDirs();
});
