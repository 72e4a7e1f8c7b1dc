#!/usr/bin/env bash
# The real-GPU benchmark run: on a Linux machine with an NVIDIA GPU and Node ≥ 20, installs the
# workspace's dependencies from the npm registry (npm ci: the `webgpu` package brings Dawn), builds
# the packages, and runs the WebGPU cases plus the GPU-only ones (matmul 2048/4096, LSTM(256) train
# step on [64,200,8]) with --quick rounds against the threaded wasm engine, in under 5 minutes.
# The report (markdown, JSON, SVG, nvidia-smi) goes to the folder given as the argument.
#
# Usage: benchmarks/gpu.sh OUT_DIR [extra options of the runner, e.g. --filter matmul]
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: benchmarks/gpu.sh OUT_DIR [runner options]" >&2
  exit 2
fi
mkdir -p "$1"
out="$(cd "$1" && pwd)"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "gpu.sh: needs Node 20 or later on PATH" >&2
  exit 1
fi
# Dawn talks to the NVIDIA driver through the Vulkan loader.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq libvulkan1
  else
    echo "gpu.sh: warning: no libvulkan.so.1 found (install the Vulkan loader, e.g. apt-get install libvulkan1)" >&2
  fi
fi

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$out/nvidia-smi.csv" 2>&1 || true
[ -d node_modules/webgpu ] || npm ci --no-audit --no-fund
npm run build >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
timeout 290 node --experimental-wasm-relaxed-simd --import tsx benchmarks/src/run.ts --quick --gpu --no-peak --out "$out" "$@"
ls -l "$out"
