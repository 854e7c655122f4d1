#!/usr/bin/env bash
# Times the WGSL bundles of the seed and deep MLPs (784→512→512→512→10) at batches 1, 32, 256
# and 4096 with Dawn on Vulkan on a Linux machine with an NVIDIA GPU (H100/H200), beside the
# JS bundle. Needs only node and this repository with its node_modules as carried (webgpu,
# tsx, esbuild); it installs nothing and never touches the network.
#
#   test/bench/gpu-bench.sh [--budget-ms 2000] [--json results.json]
#
# Vulkan needs two things outside the repo, which it looks for and reports:
#  1. the Vulkan loader libvulkan.so.1: the system's, else FUSEGRAPH_VULKAN_LOADER_DIR, else
#     node_modules/.fusegraph-vulkan/ (copy a libvulkan.so.1 there if the machine lacks one);
#  2. NVIDIA's Vulkan driver: an nvidia_icd.json of the system's, else one written here for
#     libGLX_nvidia.so.0 (present when the driver's graphics libraries are; a compute-only
#     container, NVIDIA_DRIVER_CAPABILITIES without "graphics", has no Vulkan driver at all).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'gpu-bench: %s\n' "$*" >&2; }

command -v node >/dev/null || { say "node is not on PATH"; exit 2; }
[ -d node_modules/webgpu ] || { say "node_modules/webgpu is missing: carry the repo's node_modules (npm ci)"; exit 2; }
# The bench runs from TypeScript through tsx, or from a prebuilt bundle when tsx is not carried
# (npx esbuild test/bench/wgsl-bench.ts --bundle --platform=node --format=esm --external:webgpu
#  --outfile=out/gpu/wgsl-bench.mjs).
if [ -d node_modules/tsx ] && [ -d node_modules/esbuild ]; then
  bench=(node --import tsx test/bench/wgsl-bench.ts)
elif [ -e out/gpu/wgsl-bench.mjs ]; then
  bench=(node out/gpu/wgsl-bench.mjs)
else
  say "neither node_modules/tsx nor out/gpu/wgsl-bench.mjs: carry one of them"; exit 2
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L >&2 || say "nvidia-smi not found (continuing)"

# Directories where driver libraries live on common distributions and CUDA containers.
LIB_DIRS=(/usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/lib /usr/lib/wsl/lib)

find_lib() { # name → first path that exists (ldconfig's cache first)
  local name=$1 found
  found=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | awk -v n="$name" '$1 == n { print $NF; exit }')
  if [ -n "$found" ] && [ -e "$found" ]; then echo "$found"; return 0; fi
  for dir in "${LIB_DIRS[@]}"; do
    if [ -e "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

# 1. The Vulkan loader.
if loader=$(find_lib libvulkan.so.1); then
  say "Vulkan loader: $loader"
else
  for dir in "${FUSEGRAPH_VULKAN_LOADER_DIR:-}" "$PWD/node_modules/.fusegraph-vulkan"; do
    if [ -n "$dir" ] && [ -e "$dir/libvulkan.so.1" ]; then
      export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      loader="$dir/libvulkan.so.1"
      say "Vulkan loader (carried): $loader"
      break
    fi
  done
  [ -n "${loader:-}" ] || { say "no libvulkan.so.1: install libvulkan1 or copy one to node_modules/.fusegraph-vulkan/"; exit 3; }
fi

# 2. NVIDIA's Vulkan driver. The loader skips manifests whose driver fails, so offer all: the
# system's nvidia_icd.json, and manifests written here for the EGL and the GLX entry points
# (in a container without a display the GLX one can refuse vkCreateInstance while EGL works).
icds=()
for file in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json; do
  [ -e "$file" ] && icds+=("$file")
done
manifests=$(mktemp -d)
for name in libEGL_nvidia.so.0 libGLX_nvidia.so.0; do
  if lib=$(find_lib "$name"); then
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" >"$manifests/${name%%.*}.json"
    icds+=("$manifests/${name%%.*}.json")
  fi
done
[ ${#icds[@]} -gt 0 ] || { say "no NVIDIA Vulkan driver: neither nvidia_icd.json nor libEGL_nvidia/libGLX_nvidia (is the driver's graphics capability mounted?)"; exit 3; }
VK_ICD_FILENAMES=$(IFS=:; echo "${icds[*]}")
export VK_ICD_FILENAMES
say "Vulkan driver manifests: $VK_ICD_FILENAMES"
# Vulkan first; if no driver loads, the harness falls back to Dawn's OpenGL ES backend (EGL on
# the NVIDIA driver, surfaceless). The bench prints which adapter it got.

exec "${bench[@]}" --batches 1,32,256,4096 --budget-ms 2000 "$@"
