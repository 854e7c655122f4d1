// Data a wasm kernel needs besides the program's constants: read-only tables fixed at compile
// time (gather index maps, window bounds, interpolation taps), placed in the constant image
// after the weights, and scratch bytes used while the kernel runs (a conv's packed input
// panel), one region shared by all kernels since they run one after another.

/** Bytes of a table, little-endian, built with `TableWriter`. */
export class TableWriter {
  readonly #bytes: number[] = [];
  readonly #view = new DataView(new ArrayBuffer(8));

  i32(value: number): this {
    this.#view.setInt32(0, value, true);
    for (let i = 0; i < 4; i++) this.#bytes.push(this.#view.getUint8(i));
    return this;
  }

  f64(value: number): this {
    this.#view.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.#bytes.push(this.#view.getUint8(i));
    return this;
  }

  get length(): number {
    return this.#bytes.length;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** A table whose address is known once the memory layout has placed it. */
export interface StaticTable {
  readonly bytes: Uint8Array;
  readonly address: number;
}

class PlacedTable implements StaticTable {
  #address: number | undefined;
  constructor(readonly bytes: Uint8Array) {}
  get address(): number {
    if (this.#address === undefined) throw new Error('internal: table read before the layout placed it');
    return this.#address;
  }
  place(address: number): void {
    this.#address = address;
  }
}

/** Collects every kernel's tables and scratch needs before the memory layout is made. */
export class StaticData {
  readonly #tables: PlacedTable[] = [];
  #scratchBytes = 0;
  #scratchAddress: number | undefined;

  /** A read-only table (8-byte aligned in memory). */
  table(data: TableWriter | Uint8Array): StaticTable {
    const table = new PlacedTable(data instanceof TableWriter ? data.bytes() : data);
    this.#tables.push(table);
    return table;
  }

  /** Reserves `bytes` of scratch; every kernel's scratch starts at the same address. */
  reserveScratch(bytes: number): void {
    this.#scratchBytes = Math.max(this.#scratchBytes, bytes);
  }

  get scratchBytes(): number {
    return this.#scratchBytes;
  }

  /** The scratch region's (16-byte aligned) address. */
  get scratchAddress(): number {
    if (this.#scratchAddress === undefined) throw new Error('internal: scratch read before the layout placed it');
    return this.#scratchAddress;
  }

  get tables(): readonly { readonly bytes: Uint8Array; place(address: number): void }[] {
    return this.#tables;
  }

  placeScratch(address: number): void {
    this.#scratchAddress = address;
  }
}
