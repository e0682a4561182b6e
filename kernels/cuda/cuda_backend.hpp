// cuda_backend.hpp — the CUDA implementation of AttentionBackend (issue 7). The program reaches it through
// kernels::get_backend("cuda") (registry) or make_cuda_backend(); tests/gpu and the GPU benchmark include this
// header for the CUDA-only extras: device time of the last run, TF32, graphs. Plain C++: no CUDA headers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/attention_backend.hpp"
#include "kernels/cuda/cuda_engine.hpp"

namespace attnscope::kernels {

class CudaBackend final : public AttentionBackend {
  public:
    CudaBackend() = default;  // never throws; see unavailable_reason()

    std::string_view name() const override { return "cuda"; }
    std::optional<std::string> unavailable_reason() const override { return m_engine.unavailable_reason(); }
    bool supports(VariantKind kind, const VariantParams& params) const override;
    void run(std::span<const BackendProblem> batch, const BackendOptions& options,
             std::span<BackendResult> results) override;
    // cuBLAS QK^T and PV of one head of the map workload, CUDA events (same-run reference for `bench`).
    std::optional<double> reference_gemm_ms(int n, int d, int dv) override;

    // The logits GEMM alone (the "cuBLAS logits GEMM of the same shape").
    std::optional<double> logits_gemm_ms(int n, int d);
    gpu::EngineTiming last_timing() const { return m_engine.last_timing(); }
    std::string device_description() const { return m_engine.device_description(); }
    void set_tf32(bool on) { m_engine.set_tf32(on); }
    bool tf32() const { return m_engine.tf32(); }
    void set_graphs(bool on) { m_engine.set_graphs(on); }

  private:
    gpu::Engine m_engine;
};

}  // namespace attnscope::kernels
