// A vitest setup file: after each test file, the bundles it wrote to the temp folder go.
import { afterAll } from 'vitest';
import { removeWrittenBundles } from '../codegen/js/load-bundle.ts';

afterAll(() => removeWrittenBundles());
