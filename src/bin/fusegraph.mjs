#!/usr/bin/env node
// Launcher for the `fusegraph` command: runs the TypeScript CLI through tsx, so a fresh
// clone works right after `npm ci` with no build step (and model files may be .ts).
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
