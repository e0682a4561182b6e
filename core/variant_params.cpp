#include "variant_params.hpp"

#include <array>
#include <utility>

namespace attnscope {
namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name) {
    for (const auto& [e, n] : table)
        if (n == name) return e;
    return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
    for (const auto& [k, n] : table)
        if (k == e) return n;
    return "?";
}

constexpr std::array<std::pair<Kernel, std::string_view>, 6> kKernels{{{Kernel::Exp, "exp"},
                                                                       {Kernel::Relu, "relu"},
                                                                       {Kernel::Relu2, "relu2"},
                                                                       {Kernel::Softplus, "softplus"},
                                                                       {Kernel::Elu1, "elu1"},
                                                                       {Kernel::Square, "square"}}};
constexpr std::array<std::pair<Solver, std::string_view>, 2> kSolvers{{{Solver::Exact, "exact"},
                                                                       {Solver::Greedy, "greedy"}}};
constexpr std::array<std::pair<EaForm, std::string_view>, 2> kForms{{{EaForm::Bounded, "bounded"},
                                                                     {EaForm::Plain, "plain"}}};

}  // namespace

std::string_view kernel_name(Kernel k) { return name_of(kKernels, k); }
std::optional<Kernel> parse_kernel(std::string_view name) { return lookup(kKernels, name); }
std::string_view solver_name(Solver s) { return name_of(kSolvers, s); }
std::optional<Solver> parse_solver(std::string_view name) { return lookup(kSolvers, name); }
std::string_view ea_form_name(EaForm f) { return name_of(kForms, f); }
std::optional<EaForm> parse_ea_form(std::string_view name) { return lookup(kForms, name); }

double SsaTemperatureParams::position_coefficient() const {
    if (pos_coef) return *pos_coef;
    if (beta) return std::exp(-std::exp(*beta));
    const double a = alpha.value_or(0.0);
    // sigmoid, written so that neither branch overflows
    if (a >= 0.0) return 1.0 / (1.0 + std::exp(-a));
    const double e = std::exp(a);
    return e / (1.0 + e);
}

}  // namespace attnscope
