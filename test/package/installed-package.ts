// Packs fusegraph with `npm pack` (which runs the build) and installs the tarball into a fresh
// project, as a user's `npm install fusegraph` would, without the network: the project gets a
// package-lock naming the tarball and fusegraph's runtime dependencies at the versions,
// addresses and hashes of the repository's lock, so `npm ci --offline` takes them from the
// npm cache that the repository's own `npm ci` filled.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../support/temp-dir.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

interface LockEntry { readonly dependencies?: Readonly<Record<string, string>>; readonly [key: string]: unknown }
interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

export interface InstalledPackage {
  /** The temporary folder holding the tarball and the consumer project. */
  readonly dir: string;
  /** The consumer project, with node_modules/fusegraph installed from the tarball. */
  readonly project: string;
  /** Paths inside the tarball (package/ prefix removed). */
  readonly files: readonly string[];
  readonly tarballBytes: number;
}

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** fusegraph's runtime dependencies, transitively, as the repository's lock records them. */
function runtimeLockEntries(pkg: PackageJson): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const entries: Record<string, LockEntry> = {};
  const todo = Object.keys(pkg.dependencies ?? {});
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    const key = `node_modules/${name}`;
    if (Object.hasOwn(entries, key)) continue;
    const entry = lock.packages[key];
    if (entry === undefined) throw new Error(`package-lock.json has no hoisted entry for ${name}`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    entries[key] = kept;
    todo.push(...Object.keys(entry.dependencies ?? {}));
  }
  return entries;
}

export function packAndInstall(): InstalledPackage {
  const dir = tempDir('fusegraph-pack-');
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string; size: number; files: { path: string }[] }[];
  if (packed === undefined) throw new Error('npm pack reported no tarball');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const tarball = `file:../${packed.filename}`;
  const project = join(dir, 'consumer');
  mkdirSync(project);
  const manifest = { name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { fusegraph: tarball } };
  const { name: _name, version, dependencies, peerDependencies, peerDependenciesMeta, bin, engines, license } = pkg;
  const lock = {
    name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'consumer', version: '1.0.0', dependencies: { fusegraph: tarball } },
      'node_modules/fusegraph': { version, resolved: tarball, license, dependencies, peerDependencies, peerDependenciesMeta, bin, engines },
      ...runtimeLockEntries(pkg),
    },
  };
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  npm(['ci', '--offline'], project);
  return { dir, project, files: packed.files.map((f) => f.path), tarballBytes: packed.size };
}
