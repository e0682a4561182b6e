// case_io.hpp — the oracle's case and result JSON (spec §8.2, §8.3), read and written by `attnscope eval`.
//
// Reading is strict: every problem becomes an InputError naming the JSON path (e.g. "Q[3][1]", "params.r") and
// the fix. Writing streams the result (n = 4096 means 16.7 M weights: no JSON DOM), doubles in shortest
// round-trip form, null for undefined numbers (never NaN or Infinity).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "core/variant_params.hpp"

namespace attnscope {

struct AttentionCase {
    std::string name;                    // optional "name" field (ignored by the maths)
    VariantKind variant = VariantKind::Dpa;
    AttentionInput<double> input;        // Q, K, V, causal (default true)
    VariantParams params;                // "params", defaults filled in
    // Names in the case that the chosen variant does not use: parameters of other variants ("params.r") and
    // unknown top-level fields ("comment"). The CLI warns about them; the oracle ignores them too.
    std::vector<std::string> unused_params;
};

// Parses a case. `variant_override` (the command line's --variant) wins over the case's "variant" field; one of
// them must name a variant. Validates the parameters against the problem (reference::validate). Errors carry no
// file name; load_case adds it.
AttentionCase parse_case(const nlohmann::json& j, std::optional<VariantKind> variant_override);

// Reads and parses a case file. Refuses files over `max_bytes` before reading them (absurd sizes).
AttentionCase load_case(const std::filesystem::path& path, std::optional<VariantKind> variant_override,
                        std::uintmax_t max_bytes = std::uintmax_t{2} << 30);

// The "params_resolved" object of spec §8.3 for this variant and shape.
nlohmann::ordered_json resolved_params_json(VariantKind kind, const VariantParams& params, Eigen::Index n, Eigen::Index d);

// Writes the result in the oracle's field order (spec §8.3). T is the precision the result was computed in.
template <class T>
void write_result_json(std::ostream& out, const AttentionCase& c, const AttentionResult<T>& r);

}  // namespace attnscope
