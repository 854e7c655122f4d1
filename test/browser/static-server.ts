// A minimal static file server on 127.0.0.1 for the browser test: serves only the files it
// was given (by URL path), so nothing else on disk is reachable.

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  png: 'image/png',
  bin: 'application/octet-stream',
};

/** `headers` go on every response (e.g. the two that make a page cross-origin isolated). */
export async function serveFiles(files: ReadonlyMap<string, string | Uint8Array>, headers: Readonly<Record<string, string>> = {}): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files.get(path) ?? (path.endsWith('/') ? files.get(`${path}index.html`) : undefined);
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    const extension = path.slice(path.lastIndexOf('.') + 1);
    response.writeHead(200, { ...headers, 'content-type': TYPES[extension] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every file under `dir`, by URL path (`/assets/x.js`), for serveFiles. */
export function folderFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(`/${relative(dir, path).split(sep).join('/')}`, readFileSync(path));
  }
  return files;
}
