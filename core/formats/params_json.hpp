// params_json.hpp — the variant parameters of spec §8.2 as JSON: ONE reader and one writer for every file that
// holds them (the oracle's case files, scene files' columns), so both accept exactly the same spellings
// ("tau_q", "budget": null, "r": 2.0) and refuse bad values with the same messages.
//
// What is checked here does not depend on the problem: types, finiteness, whole numbers, counts that can never be
// valid (r = 0, budget = -3). What depends on the problem (tau_q's length against n, sel_Q's shape, exact
// va_aware's subset count, selective needing causal) is reference::validate's job, run when a problem is known.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/variant_kind.hpp"
#include "core/variant_params.hpp"

namespace attnscope {

// Every parameter name of spec §8.2 (the oracle's --list), in the spec's order.
const std::vector<std::string>& variant_param_names();
bool is_variant_param(std::string_view name);
// Whether `kind` reads the parameter `name` (metrics_k and metrics_threshold: every variant).
bool variant_uses_param(VariantKind kind, std::string_view name);
// The known name nearest to a misspelt one ("tua_q" or "tau_Q" -> "tau_q"), within 3 edits; "" when none is close.
std::string closest_variant_param(std::string_view name);

// Reads a "params" object. `field_prefix` is its JSON path ("params", "columns[2].params"): every error's field is
// "<prefix>.<name>[index]". Names that are no parameter go to `*unknown` when it is given (scene files keep them
// for newer versions) and are refused, with the nearest known name as a hint, when it is null (case files).
// null stands for "not given" wherever a parameter may be absent (scale, tau_q, prune_threshold, budget, ...).
// Throws InputError without a file name; the caller adds it (InputError::with_file).
VariantParams params_from_json(const nlohmann::json& j, const std::string& field_prefix,
                               nlohmann::json* unknown = nullptr);

// The parameters that apply to `kind` and differ from the defaults, plus every optional one that is set, under
// the spec's names, then the keys of `extra`. params_from_json(params_to_json(k, p)) gives p back exactly for the
// parameters `kind` reads (doubles are exact in JSON).
nlohmann::json params_to_json(VariantKind kind, const VariantParams& p,
                              const nlohmann::json& extra = nlohmann::json::object());

}  // namespace attnscope
