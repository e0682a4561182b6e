// attention_backend.hpp — the one interface every compute backend implements (ggml-backend style).
//
// core/ owns the interface and the truth (reference::attend<double>); kernels/ owns the implementations and
// the registry that lists them and says why one is unavailable. The GUI, `eval --backend`, `bench` and the
// model all go through this interface, never through a backend's own headers.
#pragma once

#include <cstddef>
#include <memory>
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

// A batch that follows small edits (issue 6 §3): when one query, key or value changes, only what it touches is
// recomputed (one row or column of logits, then the affected rows, often in O(1) per row), instead of the whole
// batch. Obtained from AttentionBackend::open_session(); every problem of the batch must share one Q, K, V (the lab
// scene: several variants on the same vectors), which the session copies. Results equal a fresh run() on the edited
// Q, K, V within float tolerance. Not thread-safe: one thread (the GUI's worker) drives a session.
class AttentionSession {
public:
    virtual ~AttentionSession() = default;

    virtual std::size_t size() const = 0;  // problems in the batch, in the order given to open_session

    // Replace row i of the shared Q (length d), K (length d) or V (length dv). Throws InputError for an index out of
    // range, a wrong length or a non-finite number (nothing changes then).
    virtual void set_query(std::ptrdiff_t i, std::span<const float> row) = 0;
    virtual void set_key(std::ptrdiff_t j, std::span<const float> row) = 0;
    virtual void set_value(std::ptrdiff_t j, std::span<const float> row) = 0;

    // Problem p after every edit so far. Output, metrics, temperature, extras and the display map are always
    // current; result.weights is filled only when the session was opened with want_weights (materialising the
    // whole map costs O(n^2) per edit: a GUI that needs single cells should use weight() instead).
    virtual const BackendResult& result(std::size_t p) = 0;

    // w_ij of problem p (0 off-support), without materialising the map: hover read-outs, zoomed cells.
    virtual float weight(std::size_t p, std::ptrdiff_t i, std::ptrdiff_t j) = 0;

    // Recompute everything from the current Q, K, V, dropping the rounding drift of many small updates (call it
    // when a drag ends). Incremental updates already refresh a row whose normaliser cancels.
    virtual void refresh() = 0;
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

    // Incremental edits (optional capability): nullptr when this backend has none; callers then run() again.
    // Throws InputError like run(), and when the problems do not share one Q, K, V.
    virtual std::unique_ptr<AttentionSession> open_session(std::span<const BackendProblem> batch,
                                                           const BackendOptions& options) {
        return nullptr;
    }
};

}  // namespace attnscope
