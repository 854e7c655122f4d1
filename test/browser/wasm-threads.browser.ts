// Threaded wasm bundles in headless chromium (issue 15): in a cross-origin isolated page
// (COOP + COEP headers) a load gets 2 threads, its workers come from the Blob URL of the
// source embedded in the bundle, and run() gives the same bytes as runSync() (a run's end
// awaited with Atomics.waitAsync, or by message where it is missing); in a page that
// is not isolated there is no SharedArrayBuffer, and the load says so and runs on one thread;
// where a content security policy forbids workers, runs stay on the calling thread and say why;
// a worker that throws mid-run ends the run with an error, and the next run works.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { compile } from '../../src/compile.ts';
import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import { launchChromium, type Browser } from './chromium.ts';
import { serveFiles, type StaticServer } from './static-server.ts';

const BATCH = 32;
/** Large enough that its layers split (≥ 1 Mflop each at batch 32). */
const mlp: Graph = toGraph(sequential(linear(256, 256), relu(), linear(256, 128)), { name: 'mlp', inputShape: ['N', 256], outputName: 'y', seed: 5 });
const x = new Random(7).uniformArray(BATCH * 256, -1, 1);

interface ThreadReport { readonly isolated: boolean; readonly threads: number; readonly reason: string; readonly same: boolean; readonly cut: string; readonly fault: string; readonly after: boolean; readonly error?: string }

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
const report = {};
// ?message: as in engines without Atomics.waitAsync, the run's end comes as thread 0's message.
if (location.search === "?message") delete Atomics.waitAsync;
try {
  const { load } = await import("/mlp.mjs");
  const x = new Float32Array(await (await fetch("/x.bin")).arrayBuffer());
  const single = await load({ threads: 1 });
  const session = await load({ threads: 2 });
  const one = single.runSync({ x }).y;
  const two = (await session.run({ x })).y;
  const again = (await session.run({ x })).y;
  const bytes = (a) => Array.from(new Uint8Array(a.buffer)).join(",");
  Object.assign(report, { isolated: globalThis.crossOriginIsolated === true, threads: session.threads, reason: session.threadsReason, same: bytes(one) === bytes(two) && bytes(one) === bytes(again) });
  // A worker that throws mid-run (injected in /mlp-fault.mjs, on runs of 13 samples) ends the
  // run with an error naming it (or the run completes without it); the next run starts a new pool.
  const faulty = await (await import("/mlp-fault.mjs")).load({ threads: 2 });
  report.fault = await faulty.run({ x: x.subarray(0, 13 * 256) }).then(() => "finished", (error) => error.message);
  report.after = bytes((await faulty.run({ x })).y) === bytes(one);
  await faulty.dispose();
  // A run that dispose() overtakes is refused, not left pending.
  const pending = session.run({ x });
  const stopping = session.dispose();
  report.cut = await pending.then(() => "finished", (error) => error.message);
  await stopping;
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error);
}
window.__threads = report;
</script>
`;

function site(): Map<string, string | Uint8Array> {
  const bundle = compile(mlp, { target: 'wasm' });
  const files = new Map<string, string | Uint8Array>([['/index.html', PAGE], ['/x.bin', new Uint8Array(x.buffer)]]);
  for (const file of bundle.files) files.set(`/${file.name}`, file.contents);
  const entry = bundle.files.find((file) => file.name === bundle.entry)?.contents;
  const call = 'work(Atomics.load(words, 4), data.thread, data.threads, go);';
  if (typeof entry !== 'string' || !entry.includes(call)) throw new Error('the worker source has changed');
  // Thread 1 takes a chunk of the run (the claim word's low half) and throws: the run ends with
  // the error, or completes where thread 0 had already claimed every chunk. Only while thread 0
  // has not finished the run (word 5 is the generation it last finished): a worker woken after
  // the run ended never reaches a kernel (work() returns at once), so a fault there would be
  // the injection's, and it would land on the next run.
  const fault = JSON.stringify('if (Atomics.load(words, 4) === 13 && data.thread === 1 && Atomics.load(words, 5) !== go) { Atomics.add(words, 8, 1); throw new Error("injected fault"); }').slice(1, -1);
  files.set('/mlp-fault.mjs', entry.replace(call, `${fault} ${call}`));
  return files;
}

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

describe('browser: threaded wasm bundles', () => {
  let browser: Browser | undefined;
  const servers: StaticServer[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  async function visit(headers: Record<string, string>, query = ''): Promise<ThreadReport> {
    const server = await serveFiles(site(), headers);
    servers.push(server);
    const page = await (browser ?? (await launchChromium())).context.newPage();
    await page.goto(`${server.origin}/index.html${query}`);
    await page.waitForFunction(() => (globalThis as { __threads?: unknown }).__threads !== undefined, null, { timeout: 120_000 });
    const report = await page.evaluate(() => (globalThis as unknown as { __threads: ThreadReport }).__threads);
    await page.close();
    if (report.error !== undefined) throw new Error(`the page failed: ${report.error}`);
    return report;
  }

  it('run on 2 workers in a cross-origin isolated page, with the same bytes as one thread', async () => {
    const report = await visit(ISOLATION);
    expect(report).toEqual({ isolated: true, threads: 2, reason: '2 threads were asked for', same: true, cut: expect.stringMatching(/disposed/) as unknown, fault: expect.stringMatching(/^finished$|worker thread 1 of 2 failed during the run: .*injected fault/) as unknown, after: true });
  });

  it('also end runs by message where Atomics.waitAsync is missing', async () => {
    const report = await visit(ISOLATION, '?message');
    expect(report).toEqual({ isolated: true, threads: 2, reason: '2 threads were asked for', same: true, cut: expect.stringMatching(/disposed/) as unknown, fault: expect.stringMatching(/^finished$|worker thread 1 of 2 failed during the run: .*injected fault/) as unknown, after: true });
  });

  it('stay on the calling thread, saying why, where no worker may start', async () => {
    const report = await visit({ ...ISOLATION, 'content-security-policy': "worker-src 'none'" });
    expect(report.threads).toBe(1);
    expect(report.reason).toMatch(/the worker pool could not start/);
    expect(report.same).toBe(true);
  });

  it('run on one thread, saying why, where the page is not isolated', async () => {
    const report = await visit({});
    expect(report.isolated).toBe(false);
    expect(report.threads).toBe(1);
    expect(report.reason).toMatch(/SharedArrayBuffer is unavailable/);
    expect(report.same).toBe(true);
  });
});
