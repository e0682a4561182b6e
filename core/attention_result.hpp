// attention_result.hpp — what a variant produces for one problem, and the per-query diagnostics (spec §7, §8.3).
//
// Undefined per-row numbers (an explicit temperature a variant does not have, metrics of a row whose total weight
// is 0) are quiet NaN in memory; writers turn them into JSON null.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "matrix.hpp"
#include "variant_kind.hpp"

namespace attnscope {

inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

enum class ImpliedTemperatureFlag : std::uint8_t { Ok, Zero, Inf, Undefined };
std::string_view implied_flag_name(ImpliedTemperatureFlag f);

// Spec §7, one entry per query row, over the row's full support S_i (pruned keys count, with weight 0).
struct RowMetrics {
    std::vector<double> entropy;              // nats, in [0, ln m]
    std::vector<double> entropy_normalised;   // H / ln m, 0 when m = 1
    std::vector<double> effective_support;    // exp(H)
    std::vector<double> participation_ratio;  // 1 / sum p^2
    std::vector<double> spikiness;            // PR / m
    std::vector<double> max_weight;
    std::vector<double> topk_mass;            // mass of the metrics_k largest weights
    std::vector<double> gini;
    std::vector<int> count_above;          // #{p > metrics_threshold}; -1 when undefined
    std::vector<int> count_above_uniform;  // #{p > (1/m)(1 + 1e-6)}; -1 when undefined
    std::vector<int> support_size;         // m; -1 when undefined

    void resize(std::size_t n);
    std::size_t size() const { return entropy.size(); }
    bool defined(std::size_t i) const { return support_size[i] >= 0; }
};

// Variant-specific outputs (spec §8.3 "extras"). Only the fields of the variant that ran are filled.
template <class T>
struct VariantExtras {
    std::vector<double> tau_q;  // ssa: inverse temperature per query
    std::vector<double> tau_v;  // ssa: value temperature per key (all 1 when value_temp is false)
    Mat<T> sel_s;               // selective: S (n, n), S_kj = how much token k asks to mask earlier token j
    Mat<T> sel_f;               // selective: F (n, n), F_ij = sum_{j<k<i} S_kj
    MaskMat pruned;             // selective: (n, n), 1 where query i lost key j to pruning
    std::vector<double> lambda;  // lssa, lssar: length scale ln(log_d) * ln(N_i) per query
    Mat<T> lssa_weights;         // lssar: the stage-1 LSSA weights (n, n)
    Mat<T> exact_weights;        // va_oblivious, va_aware: exact kernel weights p (n, n)
    Mat<T> exact_output;         // va_oblivious, va_aware: exact output (n, dv)
    std::vector<double> error_l2;  // va_oblivious, va_aware: ||o_approx - o_exact|| per query
};

template <class T>
struct AttentionResult {
    VariantKind kind = VariantKind::Dpa;
    bool causal = true;
    Mat<T> weights;  // (n, n), row i = query i; causal => w(i, j > i) = 0; zeros off-support
    Mat<T> output;   // (n, dv), o_i = sum_j w_ij * v~_j (v~ = tau_v * v for SSA)
    std::vector<double> temperature;  // explicit temperature per query (spec §7), NaN where the variant has none
    VariantExtras<T> extras;

    // Filled by analyse() (metrics.hpp, implied_temperature.hpp); empty until then.
    RowMetrics metrics;
    std::vector<double> implied_temperature;            // NaN unless the flag is Ok
    std::vector<ImpliedTemperatureFlag> implied_flag;

    Eigen::Index n() const { return weights.rows(); }
};

}  // namespace attnscope
