// Plan sizes of the single-batch era, written as perSample·N + fixed, for tests that predate
// several symbols (ir/sym-size.ts is the general form).

import { addSizes, constSize, type SymSize } from '../../ir/sym-size.ts';

export function affine(perSample: number, fixed: number, symbol = 'N'): SymSize {
  return addSizes(constSize(fixed), perSample === 0 ? [] : [{ coeff: perSample, symbols: [symbol] }]);
}
