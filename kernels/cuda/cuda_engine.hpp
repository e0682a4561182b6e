// cuda_engine.hpp — the CUDA engine behind cuda_backend: device context, cuBLAS, memory arena, CUDA graphs. Plain C++
// (raw host pointers, no CUDA or Eigen types), so the Eigen-facing backend (.cpp) and the kernels (.cu) stay apart.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/row_math.hpp"

namespace attnscope::kernels::gpu {

// One head of one variant. Inputs are host row-major floats; every destination is a host buffer of the stated size,
// nullptr when not wanted. Problems that share q/k/v pointers share their device copies and their logits GEMM.
struct EngineProblem {
    rowmath::RowParams prm;
    const float* q = nullptr;      // (n, d)
    const float* k = nullptr;      // (n, d)
    const float* v = nullptr;      // (n, dv)
    const float* sel_q = nullptr;  // selective with a separate selection head: (n, d) each
    const float* sel_k = nullptr;
    std::vector<float> tau_q;  // ssa: (n) query temperatures
    std::vector<float> tau_v;  // ssa with value_temp: (n) value temperatures (empty: none)

    float* weights = nullptr;              // (n, n)
    float* output = nullptr;               // (n, dv); nullptr skips the PV GEMM (a map-only run)
    double* metrics[8] = {};               // spec §7 doubles in rowmath::MetricsOut order (n each), all or none
    int* metric_ints[3] = {};              // count_above, count_above_uniform, support_size (n each)
    double* implied_value = nullptr;       // (n)
    std::uint8_t* implied_flag = nullptr;  // (n)
    float* extra_s = nullptr;              // selective S (n, n)
    float* extra_f = nullptr;              // selective F (n, n)
    std::uint8_t* extra_pruned = nullptr;  // selective (n, n)
    float* extra_aux = nullptr;            // lssar lssa_weights / va_* exact_weights (n, n)
    float* extra_exact_output = nullptr;   // va_* (n, dv)
    double* extra_error_l2 = nullptr;      // va_* (n)
    float* display = nullptr;              // (display_rows, display_cols) max-pooled weights
    int display_rows = 0, display_cols = 0;
};

// Where the last run's time went.
struct EngineTiming {
    double device_ms = 0.0;  // CUDA events around the kernels and GEMMs (after the upload, before the download)
    double total_ms = 0.0;   // wall clock of run(), packing and unpacking included
    bool graph = false;      // replayed or captured a CUDA graph
    bool staged = false;     // all transfers through pinned staging buffers (small problems)
    int groups = 0;          // batches the problems were split into to fit device memory
};

// Thrown for a problem the GPU cannot hold (shared memory per row, device memory); the backend turns it into an
// InputError with a hint.
struct EngineTooLarge : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Engine {
  public:
    Engine();  // never throws: an unusable device is reported by unavailable_reason()
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const std::optional<std::string>& unavailable_reason() const;
    std::string device_description() const;  // e.g. "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, driver 13.0)"
    int max_row_length(bool keys64, int dv) const;

    // Computes every problem; throws std::runtime_error naming the CUDA call on a device failure.
    void run(std::vector<EngineProblem>& problems);
    EngineTiming last_timing() const;

    // cuBLAS QK^T (n x n logits) and PV of one head, timed with CUDA events; nullopt when unavailable.
    std::optional<double> reference_gemm_ms(int n, int d, int dv, bool include_pv);

    void set_tf32(bool on);  // logits and PV GEMMs on TF32 tensor cores (faster, ~1e-3 relative logit error)
    bool tf32() const;
    void set_graphs(bool on);  // CUDA graphs for small problems (on by default)

  private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace attnscope::kernels::gpu
