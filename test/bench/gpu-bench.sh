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
for module in webgpu tsx esbuild; do
  [ -d "node_modules/$module" ] || { say "node_modules/$module is missing: carry the repo's node_modules (npm ci)"; exit 2; }
done
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

# 2. NVIDIA's Vulkan driver (ICD manifest).
icd=""
for file in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json; do
  if [ -e "$file" ]; then icd=$file; break; fi
done
if [ -z "$icd" ]; then
  glx=$(find_lib libGLX_nvidia.so.0) || { say "no NVIDIA Vulkan driver: neither nvidia_icd.json nor libGLX_nvidia.so.0 (is the driver's graphics capability mounted?)"; exit 3; }
  icd=$(mktemp -d)/nvidia_icd.json
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" >"$icd"
  say "wrote an ICD manifest for $glx"
fi
say "Vulkan driver manifest: $icd"
export VK_ICD_FILENAMES=$icd
export FUSEGRAPH_WEBGPU_BACKEND=vulkan

exec node --import tsx test/bench/wgsl-bench.ts --batches 1,32,256,4096 --budget-ms 2000 "$@"
