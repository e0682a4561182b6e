// variant_kind.hpp — the nine attention variant ids of spec/variants.md and their names.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace attnscope {

enum class VariantKind {
    Dpa,          // softmax dot-product attention (baseline), spec §1
    Ssa,          // Selective Self-Attention: per-query temperature, value temperature, §2
    Selective,    // Selective Attention: accumulated soft mask, pruning (causal only), §3
    VaExact,      // kernel attention, the exact target of the value-aware approximations, §4
    VaOblivious,  // top-r of the kernel weights (value-oblivious optimum), §4
    VaAware,      // best r-sparse convex mix of values (value-aware optimum), §4
    Lssa,         // softplus + l1 with length scale, §5
    Lssar,        // LSSA with power re-weighting, §5
    Ea,           // expressive attention, squared dot product, §6
};

// Every kind, in the order of the spec (and of `attnscope eval --list`).
std::span<const VariantKind> all_variant_kinds();

// The spec's id, e.g. "va_oblivious".
std::string_view variant_name(VariantKind kind);

// One line naming the parameters and defaults, as the oracle's --list prints them.
std::string_view variant_parameter_doc(VariantKind kind);

// A human-readable title for panels, e.g. "Selective Attention".
std::string_view variant_title(VariantKind kind);

std::optional<VariantKind> parse_variant(std::string_view name);

// Whether the variant is only defined for causal attention (selective).
bool variant_requires_causal(VariantKind kind);

}  // namespace attnscope
