// Run by `npm run build` after `tsc -p tsconfig.build.json`: rewrites the declarations'
// relative `.ts` imports to `.js` (tsc rewrites them only in the JavaScript, and older
// TypeScript versions reject them), copies the files the code reads at run time
// (onnx.proto), and removes outputs whose source is gone (tsc never deletes).

import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.(m?)ts(['"])/g;
const ASSETS = ['src/frontends/onnx/onnx.proto'];

for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = join(entry.parentPath, entry.name);
  const source = join(root, relative(dist, path)).replace(/(\.d)?\.(m?)js$|\.d\.(m?)ts$/, (_a, _d, m1, m2) => `.${m1 ?? m2 ?? ''}ts`);
  if (!ASSETS.includes(relative(dist, path)) && !existsSync(source)) {
    rmSync(path);
    continue;
  }
  if (!/\.d\.m?ts$/.test(entry.name)) continue;
  const text = readFileSync(path, 'utf8');
  const rewritten = text.replace(RELATIVE_TS, (_all, head, stem, m, quote) => `${head}${stem}.${m}js${quote}`);
  if (rewritten !== text) writeFileSync(path, rewritten);
}

for (const file of ASSETS) copyFileSync(join(root, file), join(dist, file));
