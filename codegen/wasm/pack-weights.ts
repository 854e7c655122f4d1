// Packs a linear layer's weights W[out, in] (PyTorch layout) into column panels that match
// the micro-kernel: panel p holds output columns [p·w, p·w + w) as K rows of w contiguous
// floats, so one K step reads w consecutive weights with w/4 aligned v128 loads. The last
// panel may be narrower (a multiple of 4 covering the leftover columns, zero padded).

/** The column panels of a layer with `outFeatures` columns and full panels `panelWidth` wide. */
export interface PanelLayout {
  /** Panels of full width, then at most one narrower tail panel. */
  readonly panels: readonly { readonly firstColumn: number; readonly width: number; readonly columns: number }[];
  /** Packed floats in total. */
  readonly size: number;
}

export function panelLayout(outFeatures: number, inFeatures: number, panelWidth: number): PanelLayout {
  const panels: { firstColumn: number; width: number; columns: number }[] = [];
  let size = 0;
  for (let first = 0; first < outFeatures; first += panelWidth) {
    const columns = Math.min(panelWidth, outFeatures - first);
    const width = Math.ceil(columns / 4) * 4;
    panels.push({ firstColumn: first, width, columns });
    size += width * inFeatures;
  }
  return { panels, size };
}

/** W[out, in] → panels of [in][width] (zero padded). */
export function packWeights(weights: Float32Array, outFeatures: number, inFeatures: number, layout: PanelLayout): Float32Array {
  const packed = new Float32Array(layout.size);
  let at = 0;
  for (const panel of layout.panels) {
    for (let k = 0; k < inFeatures; k++) {
      for (let j = 0; j < panel.columns; j++) packed[at + j] = weights[(panel.firstColumn + j) * inFeatures + k] ?? 0;
      at += panel.width;
    }
  }
  return packed;
}

/** A per-column vector (bias, per-channel slope) padded to the panels' widths. */
export function packColumns(values: Float32Array | undefined, layout: PanelLayout): Float32Array {
  const padded = new Float32Array(layout.panels.reduce((n, p) => n + p.width, 0));
  let at = 0;
  for (const panel of layout.panels) {
    for (let j = 0; j < panel.columns; j++) padded[at + j] = values?.[panel.firstColumn + j] ?? 0;
    at += panel.width;
  }
  return padded;
}
