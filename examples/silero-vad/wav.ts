// A minimal WAV reader for the VAD example: PCM 16-bit or float 32-bit, any channel count
// (averaged to mono) and any rate (linearly resampled to 16 kHz, enough for a VAD).

const TARGET_RATE = 16_000;

export function readWavMono16k(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format = 0;
  let channels = 1;
  let rate = TARGET_RATE;
  let bits = 16;
  let samples: Float32Array | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    // espeak-ng writing to a pipe leaves the size unset (0xffffffff): the data runs to the end.
    const declared = view.getUint32(at + 4, true);
    const size = Math.min(declared, bytes.length - at - 8);
    if (id === 'fmt ') {
      format = view.getUint16(at + 8, true);
      channels = view.getUint16(at + 10, true);
      rate = view.getUint32(at + 12, true);
      bits = view.getUint16(at + 22, true);
    } else if (id === 'data') {
      samples = decode(view, at + 8, size, format, bits, channels);
    }
    at += 8 + size + (size % 2);
  }
  if (samples === undefined) throw new Error('the WAV file has no data chunk');
  return resample(samples, rate);
}

function decode(view: DataView, start: number, size: number, format: number, bits: number, channels: number): Float32Array {
  const width = bits / 8;
  const frames = Math.floor(size / (width * channels));
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const at = start + (f * channels + c) * width;
      if (format === 1 && bits === 16) sum += view.getInt16(at, true) / 32768;
      else if (format === 3 && bits === 32) sum += view.getFloat32(at, true);
      else throw new Error(`unsupported WAV sample format ${format} with ${bits} bits`);
    }
    out[f] = sum / channels;
  }
  return out;
}

function resample(samples: Float32Array, rate: number): Float32Array {
  if (rate === TARGET_RATE) return samples;
  const length = Math.floor((samples.length * TARGET_RATE) / rate);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const x = (i * rate) / TARGET_RATE;
    const j = Math.floor(x);
    const t = x - j;
    out[i] = (samples[j] ?? 0) * (1 - t) + (samples[j + 1] ?? samples[j] ?? 0) * t;
  }
  return out;
}
