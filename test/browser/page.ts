// The page of the browser test: imports each model's bundles (JS and WGSL; the WGSL one asks
// navigator.gpu for its own device), runs them on the same feeds and leaves the outputs and
// the adapter's description in window.__fusegraph for the test to read.

/** Where the page finds a model's bundles and inputs (served as /models.json). */
export interface PageModel {
  readonly id: string;
  /** The URL of each target's bundle (a model may skip a target). */
  readonly bundles: Readonly<Partial<Record<'js' | 'wgsl', string>>>;
  readonly batch: number;
  readonly inputs: readonly { readonly name: string; readonly file: string }[];
}

export interface PageReport {
  readonly adapter: string | null;
  readonly error?: string;
  readonly models: readonly { readonly id: string; readonly results: Readonly<Partial<Record<'js' | 'wgsl', Record<string, number[]>>>> }[];
}

export const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>fusegraph browser test</title>
<script type="module">
const report = { adapter: null, models: [] };
try {
  const adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  report.adapter = adapter ? [adapter.info.vendor, adapter.info.architecture, adapter.info.description].filter(Boolean).join(" ") : null;
  const models = await (await fetch("/models.json")).json();
  for (const model of models) {
    const feeds = {};
    for (const input of model.inputs) feeds[input.name] = new Float32Array(await (await fetch(input.file)).arrayBuffer());
    const results = {};
    for (const [target, url] of Object.entries(model.bundles)) {
      const bundle = await import(url);
      const session = await bundle.load(target === "wgsl" ? { maxBatch: model.batch } : {});
      const outputs = await session.run(feeds);
      session.dispose();
      results[target] = Object.fromEntries(Object.entries(outputs).map(([name, data]) => [name, Array.from(data)]));
    }
    report.models.push({ id: model.id, results });
  }
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error);
}
window.__fusegraph = report;
</script>
`;
