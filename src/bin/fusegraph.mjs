#!/usr/bin/env node
// Development launcher: runs the TypeScript sources through tsx, so a checkout works with no
// build step. The installed package's bin is the compiled dist/src/bin/fusegraph.js.
import { register } from 'tsx/esm/api';

register();
await import('./fusegraph.ts');
