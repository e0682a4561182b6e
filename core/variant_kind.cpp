#include "variant_kind.hpp"

#include <array>

namespace attnscope {
namespace {

struct VariantInfo {
    VariantKind kind;
    std::string_view name;
    std::string_view title;
    std::string_view doc;
};

// Parameter docs follow spec §8.2; the order is the spec's (and the oracle's --list).
constexpr std::array<VariantInfo, 9> kVariants{{
    {VariantKind::Dpa, "dpa", "Softmax (DPA)", "scale=1/sqrt(d)"},
    {VariantKind::Ssa, "ssa", "Selective Self-Attention (SSA)",
     "scale=1/sqrt(d); tau_q (explicit list) | pos_coef_q | beta_q | alpha_q=0.0; tok_q (list) | w_tok_q,b_tok_q; "
     "value_temp=true; tau_v | pos_coef_v | beta_v | alpha_v=0.0; tok_v | w_tok_v,b_tok_v"},
    {VariantKind::Selective, "selective", "Selective Attention",
     "scale=1/sqrt(d); sel_Q,sel_K (default Q,K); sel_scale=scale; protect_bos=true; prune_threshold=null; "
     "budget=null (causal only)"},
    {VariantKind::VaExact, "va_exact", "Kernel attention (exact)",
     "scale=1/sqrt(d); kernel=exp (exp|relu|relu2|softplus|elu1|square)"},
    {VariantKind::VaOblivious, "va_oblivious", "Top-r, value-oblivious", "scale; kernel=exp; r=2; renorm=true"},
    {VariantKind::VaAware, "va_aware", "r-sparse, value-aware",
     "scale; kernel=exp; r=2; solver=exact (exact|greedy); max_subsets=200000"},
    {VariantKind::Lssa, "lssa", "Softplus + length scale (LSSA)", "normalize_qk=true; log_d=d; eps=0.0"},
    {VariantKind::Lssar, "lssar", "LSSA + re-weighting (LSSAR)",
     "lssa params + p=15; offset=1.0; offset_free_rows=3; deadzone=1e-9"},
    {VariantKind::Ea, "ea", "Expressive attention (EA)", "scale=1/sqrt(d); form=bounded (bounded|plain); eps=0.0"},
}};

constexpr std::array<VariantKind, 9> kAllKinds{VariantKind::Dpa,     VariantKind::Ssa,         VariantKind::Selective,
                                               VariantKind::VaExact, VariantKind::VaOblivious, VariantKind::VaAware,
                                               VariantKind::Lssa,    VariantKind::Lssar,       VariantKind::Ea};

const VariantInfo& info(VariantKind kind) { return kVariants[static_cast<std::size_t>(kind)]; }

}  // namespace

std::span<const VariantKind> all_variant_kinds() { return kAllKinds; }
std::string_view variant_name(VariantKind kind) { return info(kind).name; }
std::string_view variant_title(VariantKind kind) { return info(kind).title; }
std::string_view variant_parameter_doc(VariantKind kind) { return info(kind).doc; }

std::optional<VariantKind> parse_variant(std::string_view name) {
    for (const auto& v : kVariants)
        if (v.name == name) return v.kind;
    return std::nullopt;
}

bool variant_requires_causal(VariantKind kind) { return kind == VariantKind::Selective; }

}  // namespace attnscope
