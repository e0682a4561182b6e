// attention_backend.hpp — the one interface every compute backend implements (ggml-backend style).
//
// core/ owns the interface and the truth (reference::attend<double>); kernels/ owns the implementations and
// the registry that lists them and says why one is unavailable. The GUI, `eval --backend`, `bench` and the
// model all go through this interface, never through a backend's own headers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attention_result.hpp"
#include "variant_params.hpp"

namespace attnscope {

// One head of one variant, in float. Pointers, not copies: a batch of six variants on the same Q/K/V
// shares them. q, k: (n, d); v: (n, dv); all row-major.
struct BackendProblem {
    VariantKind kind = VariantKind::Dpa;
    const VariantParams* params = nullptr;
    const MatF* q = nullptr;
    const MatF* k = nullptr;
    const MatF* v = nullptr;
    bool causal = true;
};

struct BackendOptions {
    bool want_weights = true;   // the full (n, n) map in result.weights
    bool want_metrics = true;   // spec §7 row metrics in result.metrics
    bool want_implied = false;  // entropy-matched temperature (a bisection per row: costly at large n)
    bool want_extras = true;    // variant extras (tau, F, exact weights, ...)
    // When both > 0, also reduce the map by max-pooling to (display_rows, display_cols) so single spikes stay
    // visible (DESIGN.md "Large maps are reduced for display by max-pooling").
    int display_rows = 0;
    int display_cols = 0;
};

struct BackendResult {
    AttentionResult<float> result;
    MatF display_map;  // (display_rows, display_cols) max-pooled weights, when asked for
};

class AttentionBackend {
public:
    virtual ~AttentionBackend() = default;

    virtual std::string_view name() const = 0;  // "cpu", "cuda", "reference"

    // nullopt when usable; otherwise why not, e.g. the CUDA error text "CUDA driver version is insufficient".
    virtual std::optional<std::string> unavailable_reason() const = 0;

    virtual bool supports(VariantKind kind, const VariantParams& params) const = 0;

    // Computes every problem of the batch. results.size() == batch.size(). Throws InputError for a problem the
    // parameters do not fit (same checks as reference::validate).
    virtual void run(std::span<const BackendProblem> batch, const BackendOptions& options,
                     std::span<BackendResult> results) = 0;

    // For `attnscope bench`: runs this backend's own plain matrix products for the `map` workload once (QK^T of
    // (n, d) x (d, n) and PV of (n, n) x (n, dv): Eigen on CPU, cuBLAS on CUDA) and returns the elapsed
    // milliseconds, so ratios are measured against the same machine in the same run. nullopt: none.
    virtual std::optional<double> reference_gemm_ms(int n, int d, int dv) { return std::nullopt; }
};

}  // namespace attnscope
