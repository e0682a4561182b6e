#include "app/cli/eval_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ostream>

namespace attnscope::cli {
namespace {

std::string cell(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.4f}", v); }

// Long problems show their first and last rows; the middle is elided.
constexpr Eigen::Index kHeadRows = 8;
constexpr Eigen::Index kTailRows = 4;

}  // namespace

template <class T>
void print_eval_table(std::ostream& out, const AttentionCase& c, const AttentionResult<T>& r) {
    const Eigen::Index n = c.input.n();
    out << fmt::format("{} — {} (n = {}, d = {}, {})\n", variant_name(r.kind), variant_title(r.kind), n, c.input.d(),
                       c.input.causal ? "causal" : "non-causal");
    out << fmt::format("  {:>5}  {:>9}  {:>8}  {:>11}  {:>10}  {:>10}  {:>6}\n", "query", "entropy", "H/ln m",
                       "temperature", "implied T", "max weight", "top-k");
    for (Eigen::Index i = 0; i < n; ++i) {
        if (n > kHeadRows + kTailRows && i == kHeadRows) {
            out << fmt::format("  {:>5}\n", "...");
            i = n - kTailRows;
        }
        const auto& m = r.metrics;
        const std::string implied = r.implied_flag[i] == ImpliedTemperatureFlag::Ok
                                        ? cell(r.implied_temperature[i])
                                        : std::string(implied_flag_name(r.implied_flag[i]));
        out << fmt::format("  {:>5}  {:>9}  {:>8}  {:>11}  {:>10}  {:>10}  {:>6}\n", i, cell(m.entropy[i]),
                           cell(m.entropy_normalised[i]), cell(r.temperature[i]), implied, cell(m.max_weight[i]),
                           cell(m.topk_mass[i]));
    }
    out << "\n";
}

template void print_eval_table<float>(std::ostream&, const AttentionCase&, const AttentionResult<float>&);
template void print_eval_table<double>(std::ostream&, const AttentionCase&, const AttentionResult<double>&);

}  // namespace attnscope::cli
