// fuzz_one_case.hpp — the body of the case-loader fuzz target, shared with the regression tests so a stored
// finding is replayed exactly as the fuzzer ran it.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/formats/case_io.hpp"
#include "core/reference/attend.hpp"

namespace attnscope::fuzz {

// Problems this small are evaluated too (n^2 work; the exact value-aware solver is capped below).
inline constexpr long kMaxEvaluatedCells = 64 * 64;

template <class T>
bool all_finite(const Mat<T>& m) {
    return m.allFinite();
}

// Returns normally for accepted input and for InputError; anything else propagates (a finding). With
// `require_finite`, an accepted case whose weights or output are not finite is a finding too (abort), since
// every input number is finite (the loader rejects the rest) and the spec's stable forms never overflow.
inline void fuzz_one_case(const std::string& bytes, bool require_finite = false) {
    const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return;  // not JSON: the loader's own parse step reports it (tested in tests/cli)
    AttentionCase c;
    try {
        c = parse_case(j, std::nullopt);
    } catch (const InputError&) {
        return;
    }
    const long n = static_cast<long>(c.input.n());
    if (n * n > kMaxEvaluatedCells || n * static_cast<long>(c.input.d() + c.input.dv()) > (1 << 16)) return;
    if (c.variant == VariantKind::VaAware && c.params.max_subsets > 5000) c.params.max_subsets = 5000;
    try {
        const AttentionResult<double> r = reference::evaluate<double>(c.variant, c.input, c.params);
        const AttentionResult<float> rf = reference::evaluate<float>(c.variant, c.input.cast<float>(), c.params);
        std::ostringstream sink;
        write_result_json<double>(sink, c, r);
        write_result_json<float>(sink, c, rf);
        if (require_finite && !(all_finite(r.weights) && all_finite(r.output))) {
            std::fprintf(stderr, "fuzz: accepted case gave non-finite f64 weights/output\n");
            std::abort();
        }
    } catch (const InputError&) {
        return;  // e.g. the capped max_subsets
    }
}

}  // namespace attnscope::fuzz
