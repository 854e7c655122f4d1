// WebGPU in Node for the WGSL tests: picks the best adapter this machine offers (Vulkan
// through SwiftShader, else Dawn's OpenGL ES backend on Mesa) and says which one it got. The
// GPU object from `create()` is kept in module state for the whole process: if it were
// garbage-collected, Dawn would crash or hang.

import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'webgpu';

/** Debian's chromium ships SwiftShader's Vulkan driver here (with libvulkan1 for the loader). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface GpuHandle {
  readonly device: GPUDevice;
  /** A fresh adapter like the device's (an adapter makes one device), for a second device with optional features. */
  readonly newAdapter: () => Promise<GPUAdapter | null>;
  /** Which backend and adapter, for test names and benchmark reports. */
  readonly description: string;
  readonly featureLevel: 'core' | 'compatibility';
}

function vulkanIcds(): string[] {
  const given = process.env['VK_ICD_FILENAMES'];
  return given !== undefined && given !== '' ? given.split(':') : [SWIFTSHADER_ICD];
}

interface Candidate {
  readonly name: string;
  readonly available: () => boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly flags: readonly string[];
  readonly featureLevel: 'core' | 'compatibility';
}

const CANDIDATES: readonly Candidate[] = [
  {
    // A driver named in VK_ICD_FILENAMES (a real GPU's, see test/bench/gpu-bench.sh) wins.
    name: 'vulkan',
    available: () => vulkanIcds().some((file) => existsSync(file)),
    env: { VK_ICD_FILENAMES: vulkanIcds().join(':') },
    flags: ['backend=vulkan'],
    featureLevel: 'core',
  },
  {
    name: 'opengles',
    available: () => true,
    env: { EGL_PLATFORM: 'surfaceless' },
    flags: ['backend=opengles'],
    featureLevel: 'compatibility',
  },
];

export const INSTALL_HINT =
  'No WebGPU adapter could be created. Install Debian\'s `chromium` and `libvulkan1` (apt-get install -y chromium libvulkan1) ' +
  `for SwiftShader's Vulkan driver at ${SWIFTSHADER_ICD}, or Mesa's EGL/GLES libraries (libegl1, libgles2, libgl1-mesa-dri) ` +
  'for Dawn\'s OpenGL ES backend; the `webgpu` npm package (0.6.2) must be installed (npm ci).';

// Module state on purpose: these objects must live as long as the process (see above).
const keepAlive: GPU[] = [];
let pending: Promise<GpuHandle> | undefined;

/**
 * Mesa's EGL and Vulkan WSI print "XDG_RUNTIME_DIR is invalid or not set" once per device
 * where the variable is missing (CI, root shells): give them a private folder of their own,
 * one per user that every test process shares (so runs leave one folder, not one each).
 */
function ensureRuntimeDir(): void {
  const current = process.env['XDG_RUNTIME_DIR'];
  if (current !== undefined && current !== '' && existsSync(current)) return;
  const dir = join(tmpdir(), `fusegraph-xdg-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env['XDG_RUNTIME_DIR'] = dir;
}

async function tryCandidate(candidate: Candidate): Promise<GpuHandle | undefined> {
  // The Vulkan loader and EGL read these when Dawn initializes the backend, so set them first.
  ensureRuntimeDir();
  for (const [key, value] of Object.entries(candidate.env)) process.env[key] = value;
  const gpu = create([...candidate.flags]);
  keepAlive.push(gpu);
  const newAdapter = (): Promise<GPUAdapter | null> => gpu.requestAdapter({ featureLevel: candidate.featureLevel, powerPreference: 'high-performance' });
  const adapter = await newAdapter();
  if (adapter === null) return undefined;
  // The adapter's own limits where they exceed the defaults (a real GPU's larger buffers).
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  const what = [info.vendor, info.architecture, info.description].filter((s) => s !== '').join(' ');
  return { device, newAdapter, description: `${candidate.name}: ${what}`, featureLevel: candidate.featureLevel };
}

async function pickAdapter(): Promise<GpuHandle> {
  const failures: string[] = [];
  const forced = process.env['FUSEGRAPH_WEBGPU_BACKEND'];
  for (const candidate of CANDIDATES) {
    if (forced !== undefined && forced !== candidate.name) continue;
    if (!candidate.available()) {
      failures.push(`${candidate.name}: not installed`);
      continue;
    }
    try {
      const handle = await tryCandidate(candidate);
      if (handle !== undefined) {
        // Once per process, so every test log says which adapter the WGSL results come from.
        process.stderr.write(`WebGPU adapter: ${handle.description} (${handle.featureLevel})\n`);
        return handle;
      }
      failures.push(`${candidate.name}: no adapter`);
    } catch (error) {
      failures.push(`${candidate.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`${INSTALL_HINT}\nTried: ${failures.join('; ')}`);
}

/** One device per process, created on first use; rejects with what to install if none. */
export function gpuDevice(): Promise<GpuHandle> {
  pending ??= pickAdapter();
  return pending;
}

/**
 * A device that validates shaders without running them (Dawn's null backend), with the
 * optional features the shader variants use (subgroups, shader-f16) where it offers them.
 */
let validator: Promise<GPUDevice> | undefined;
export function validationDevice(): Promise<GPUDevice> {
  validator ??= (async () => {
    ensureRuntimeDir();
    const gpu = create(['backend=null']);
    keepAlive.push(gpu);
    const adapter = await gpu.requestAdapter();
    if (adapter === null) throw new Error(`Dawn's null backend gave no adapter. ${INSTALL_HINT}`);
    const wanted: GPUFeatureName[] = ['subgroups', 'shader-f16'];
    return adapter.requestDevice({ requiredFeatures: wanted.filter((feature) => adapter.features.has(feature)) });
  })();
  return validator;
}

/** A second device on the test adapter with the given features (those it offers), or undefined if it lacks any. */
export async function deviceWithFeatures(features: readonly GPUFeatureName[]): Promise<GPUDevice | undefined> {
  const adapter = await (await gpuDevice()).newAdapter();
  if (adapter === null || !features.every((feature) => adapter.features.has(feature))) return undefined;
  return adapter.requestDevice({
    requiredFeatures: [...features],
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}

/** Compiles WGSL and returns its error and warning messages (an empty list when clean). */
export async function compilationMessages(device: GPUDevice, code: string): Promise<string[]> {
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  return info.messages
    .filter((message) => message.type !== 'info')
    .map((message) => `${message.type} at ${message.lineNum}:${message.linePos}: ${message.message}`);
}
