// The input projection of a recurrent layer does not depend on the state, so it runs for
// every time step at once as one `linear` (the backends' best contraction), and the time
// loop only does the hidden-to-hidden work:
//
//   lstm(x, const W[D,G·H,I], R, const B[D,2·G·H], …)
//     → lstm{projected = 1}(linear(x, const W'[D·G·H, I], const Wb[D·G·H]), R, const Rb[D, G·H], …)
//
// (gru and rnn alike: any op of kind `recurrent`). W' is W's data as one matrix; Wb and Rb are
// B's two halves per direction. Exact: linear rounds each dot product to f32 and adds the
// bias in f32, which is how the unsplit op defines the input part (ir/ops/recurrent.ts).

import { floatAttr, OPS } from '../../ir/ops/index.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type RewriteRule } from './rewrite-rule.ts';

const splitProjection: RewriteRule = {
  name: 'split-recurrent-projection',
  match(node, view) {
    if (OPS[node.op].kind !== 'recurrent' || floatAttr(node.attrs, 'projected') !== 0) return undefined;
    const [x, w, r, b, ...rest] = node.inputs;
    if (x === undefined || w === undefined || r === undefined || b === undefined) return undefined;
    const weight = view.constant(w);
    const bias = view.constant(b);
    if (weight === undefined || bias === undefined) return undefined;
    const [directions = 0, rows = 0, inputSize = 0] = weight.shape;
    const gh = rows;
    const wb = new Float32Array(directions * gh);
    const rb = new Float32Array(directions * gh);
    for (let d = 0; d < directions; d++) {
      wb.set(bias.data.subarray(d * 2 * gh, d * 2 * gh + gh), d * gh);
      rb.set(bias.data.subarray(d * 2 * gh + gh, (d + 1) * 2 * gh), d * gh);
    }
    const [wName, wbName, rbName, xpName] = [`${w}.rows`, `${b}.wb`, `${b}.rb`, `${node.name}.x_proj`].map((hint) => view.freshName(hint));
    if (wName === undefined || wbName === undefined || rbName === undefined || xpName === undefined) return undefined;
    return {
      replace: [
        constSpec([directions * gh, inputSize], weight.data, wName),
        constSpec([directions * gh], wb, wbName),
        constSpec([directions, gh], rb, rbName),
        { op: 'linear', inputs: [x, wName, wbName], name: xpName },
        { op: node.op, inputs: [xpName, r, rbName, ...rest], attrs: { ...node.attrs, projected: 1 } },
      ],
    };
  },
};

export const splitRecurrentProjectionPass: Pass = {
  name: 'split-recurrent-projection',
  summary: 'runs the input projection of lstm/gru/rnn for every time step as one linear',
  run: (graph) => rewriteGraph(graph, [splitProjection]),
};
