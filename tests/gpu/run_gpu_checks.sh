#!/usr/bin/env bash
# run_gpu_checks.sh — the GPU half of issue 7, on a machine with an NVIDIA GPU and driver: build the release
# preset's CUDA targets, run the GPU conformance suite (tests/gpu, label gpu), then the benchmarks whose figures go
# into the README (gpu_bench: device-side ratios; attnscope bench --backend cuda: the common workloads).
#   tests/gpu/run_gpu_checks.sh [--quick]        (from anywhere; builds in build/release)
# Without a GPU every step reports the CUDA error text (cudaGetDeviceCount: ...) and the script exits 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target cuda_conformance_test gpu_bench attnscope

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
fi
echo "== GPU conformance (every variant against the double reference, derived bounds)"
build/release/tests/gpu/cuda_conformance_test --gtest_brief=1
echo "== gpu_bench (device-side ratios of the issue-7 targets)"
build/release/tests/gpu/gpu_bench $quick
echo "== attnscope bench --backend cuda"
build/release/app/attnscope bench --backend cuda $quick
